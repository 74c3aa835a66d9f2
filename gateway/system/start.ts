/**
 * `npm start`: builds the gateway, then runs the whole system on this machine (every subgraph and service, then the gateway) on
 * embedded defaults (SQLite files under data/), waits until the gateway is ready, prints
 * where to go, and on Ctrl-C (or SIGTERM) drains the gateway, then stops the subgraphs, leaving
 * no process behind. Each process gets one signal (system/supervisor.ts says how). A subgraph
 * instance that dies is restarted (a few times a minute at most), so killing one by hand shows
 * the gateway's failover and the instance's return on GET /admin/upstreams.
 */
import { existsSync, mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import demoConfig from "../gateway.config.ts";
import { validateConfig } from "../src/config/load.ts";
import { PORT_OFFSET_ENV, systemPlan } from "./plan.ts";
import { Supervisor } from "./supervisor.ts";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
// The gateway drains for up to its grace period; a margin covers its closing work before it is killed.
const { shutdownGraceMs } = validateConfig(demoConfig, process.env).server;
const supervisor = new Supervisor({ cwd: root, killAfterMs: shutdownGraceMs + 2_000 });

async function waitFor(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (supervisor.isStopping) return;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      if (res.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not become ready within ${timeoutMs} ms`);
}

async function main(): Promise<void> {
  supervisor.stopOnSignals();
  // A second system (the end-to-end test) can run beside the demo on other ports and files.
  const dataDir = process.env.SYSTEM_DATA_DIR ?? "data";
  mkdirSync(resolve(root, dataDir), { recursive: true });
  const plan = systemPlan({ portOffset: Number(process.env[PORT_OFFSET_ENV] ?? 0), dataDir });
  const compiled = plan.gateway.args[0]!;
  if (!existsSync(resolve(root, compiled))) throw new Error(`${compiled} is missing: run \`npm run build\` first (\`npm start\` does)`);
  // The payment provider and the routing service first: payments charges at the provider. They
  // stop with the subgraphs (tier 0), after the gateway.
  for (const spec of [...plan.services, ...plan.subgraphs]) supervisor.launch(spec, { tier: 0, restartable: true });
  await Promise.all([...plan.services, ...plan.subgraphs].map((s) => waitFor(s.healthUrl, 60_000)));
  if (supervisor.isStopping) return;
  supervisor.launch(plan.gateway, { tier: 1, restartable: false });
  await waitFor(plan.gateway.healthUrl, 60_000);
  if (supervisor.isStopping) return;
  console.log(`
  Gateway ready: ${plan.gatewayUrl}  (Apollo Sandbox opens there in a browser)
  Try:  curl -s ${plan.gatewayUrl} -H 'content-type: application/json' -d '{"query":"{ __typename }"}'
  Accounts: alice@example.com, bob@example.com (customers), carol@example.com (courier),
            admin@example.com (admin); password demo-password. Ctrl-C stops everything.
`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  void supervisor.stopAll().then(() => process.exit(1));
});
