/**
 * `npm start`: builds the gateway, then runs the whole system on this machine (every subgraph, then the gateway) on
 * embedded defaults (SQLite files under data/), waits until the gateway is ready, prints
 * where to go, and on Ctrl-C (or SIGTERM) stops every process it started, leaving none behind.
 * A subgraph instance that dies is restarted (a few times a minute at most), so killing one by
 * hand shows the gateway's failover and the instance's return on GET /admin/upstreams.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { PORT_OFFSET_ENV, systemPlan, type ProcessSpec } from "./plan.ts";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const children: ChildProcess[] = [];
let stopping = false;

/** A subgraph instance that dies is started again (so failover and recovery can be watched), within a budget. */
const restartBudget = { max: 5, windowMs: 60_000 };
const restarts = new Map<string, number[]>();

function launch(spec: ProcessSpec, restartable: boolean): ChildProcess {
  const child = spawn(process.execPath, [...spec.nodeArgs, ...spec.args], {
    cwd: root,
    env: { ...process.env, ...spec.env },
    stdio: ["ignore", "inherit", "inherit"],
  });
  child.once("exit", (code, signal) => {
    if (stopping) return;
    const now = Date.now();
    const recent = (restarts.get(spec.name) ?? []).filter((t) => now - t < restartBudget.windowMs);
    if (restartable && recent.length < restartBudget.max) {
      restarts.set(spec.name, [...recent, now]);
      console.error(`${spec.name} exited (${signal ?? `code ${code}`}); starting it again in 2 s (the gateway routes around it meanwhile)`);
      setTimeout(() => {
        if (!stopping) launch(spec, restartable);
      }, 2_000).unref();
      return;
    }
    console.error(`${spec.name} exited unexpectedly (${signal ?? `code ${code}`}); stopping the system`);
    void stopAll(1);
  });
  children.push(child);
  return child;
}

async function waitFor(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (stopping) return;
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

async function stopAll(exitCode: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  const exits = children
    .filter((c) => c.exitCode === null && c.signalCode === null)
    .map((c) => new Promise<void>((r) => {
      c.once("exit", () => r());
      c.kill("SIGTERM");
      // A child that ignores SIGTERM is killed so no orphan survives us.
      setTimeout(() => c.kill("SIGKILL"), 12_000).unref();
    }));
  await Promise.all(exits);
  process.exit(exitCode);
}

async function main(): Promise<void> {
  process.on("SIGINT", () => void stopAll(0));
  process.on("SIGTERM", () => void stopAll(0));
  // A second system (the end-to-end test) can run beside the demo on other ports and files.
  const dataDir = process.env.SYSTEM_DATA_DIR ?? "data";
  mkdirSync(resolve(root, dataDir), { recursive: true });
  const plan = systemPlan({ portOffset: Number(process.env[PORT_OFFSET_ENV] ?? 0), dataDir });
  const compiled = plan.gateway.args[0]!;
  if (!existsSync(resolve(root, compiled))) throw new Error(`${compiled} is missing: run \`npm run build\` first (\`npm start\` does)`);
  for (const spec of plan.subgraphs) launch(spec, true);
  await Promise.all(plan.subgraphs.map((s) => waitFor(s.healthUrl, 60_000)));
  launch(plan.gateway, false);
  await waitFor(plan.gateway.healthUrl, 60_000);
  if (stopping) return;
  console.log(`
  Gateway ready: ${plan.gatewayUrl}  (Apollo Sandbox opens there in a browser)
  Try:  curl -s ${plan.gatewayUrl} -H 'content-type: application/json' -d '{"query":"{ __typename }"}'
  Accounts: alice@example.com, bob@example.com (customers), carol@example.com (courier),
            admin@example.com (admin); password demo-password. Ctrl-C stops everything.
`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  void stopAll(1);
});
