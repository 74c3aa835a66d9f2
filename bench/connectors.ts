/**
 * `npm run bench:connectors`: what joining a REST service through connectors, and a gRPC service
 * through @grpcService/@rpc, costs the gateway, each against the same field from a GraphQL
 * subgraph. The REST pair reads the payment provider's SQLite file (services/payment-provider over
 * REST; bench/src/connectors/charges-subgraph.ts over GraphQL), the gRPC pair the routing seed
 * (services/routing over gRPC; bench/src/grpc/routes-subgraph.ts over GraphQL). The compiled
 * gateway runs each supergraph with every policy off and no sharing of identical requests or
 * fetches (so each request pays its own way), and wrk sends `{ providerCharge(id) { … } }` or
 * `{ deliveryRoute(deliveryId) { … } }` for a fixed time, the variants alternating. Prints req/s,
 * p50/p99 and the gateway's CPU per request, and writes bench/results/connectors.md.
 *
 *   npm run bench:connectors -- [--duration 10] [--connections 20] [--rounds 2] [--cpu-prof <dir>]
 */
import { composeServices } from "@apollo/composition";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { graphql } from "./src/graphql.ts";
import { CHARGES_SDL } from "./src/connectors/charges-subgraph.ts";
import { ROUTES_SDL } from "./src/grpc/routes-subgraph.ts";
import { ensureWrk, runLoad } from "./src/load.ts";
import { treeCpuMs, waitIdle } from "./src/proc-stats.ts";
import { enablePinning, installCleanup, killAllOwned, pinningAvailable, spawnOwned, type Owned } from "./src/processes.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({
  options: { duration: { type: "string", default: "10" }, connections: { type: "string", default: "20" }, rounds: { type: "string", default: "2" }, "cpu-prof": { type: "string" } },
});
/** `--cpu-prof <dir>`: each gateway writes a V8 CPU profile under <dir>/<variant> (summarize: npm run bench:profile -- <dir>/<variant>). */
const cpuProfDir = values["cpu-prof"];
const durationS = Number(values.duration);
const connections = Number(values.connections);
const rounds = Number(values.rounds);

/** A port free now on 127.0.0.1 (the OS picks it; the child listens on it a moment later). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitFor(url: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(url)).status < 500) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up`);
}

function compose(name: string, url: string, sdl: string): string {
  const result = composeServices([{ name, url, typeDefs: graphql.parse(sdl) }]);
  if (result.errors) throw new Error(result.errors.map((e) => e.message).join("; "));
  return result.supergraphSdl;
}

interface Measured {
  variant: string;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  cpuMsPerRequest: number;
}

async function main(): Promise<void> {
  ensureWrk();
  const pin = pinningAvailable(availableParallelism());
  enablePinning(pin);
  const runDir = mkdtempSync(join(tmpdir(), "bench-connectors-"));
  const owned: Owned[] = [];
  installCleanup(async () => void (await Promise.all(owned.map((o) => o.stop()))));
  const start = (name: string, args: string[], core: number | "any") => {
    const o = spawnOwned({ name, command: process.execPath, args, core, cwd: root, env: { ...process.env, LOG_LEVEL: "warn" }, logFile: join(runDir, `${name}.log`) });
    owned.push(o);
    return o;
  };
  const PORTS = { provider: await freePort(), charges: await freePort(), routing: await freePort(), routingHealth: await freePort(), routes: await freePort(), gateway: await freePort() };
  const db = join(runDir, "provider.db");
  start("provider", ["--import", "tsx", "services/payment-provider/main.ts", "--port", String(PORTS.provider), "--db", db], 1);
  await waitFor(`http://127.0.0.1:${PORTS.provider}/healthz`);
  start("charges-subgraph", ["--import", "tsx", "bench/src/connectors/charges-subgraph.ts", "--port", String(PORTS.charges), "--db", db], 1);
  await waitFor(`http://127.0.0.1:${PORTS.charges}/graphql`);
  start("routing", ["--import", "tsx", "services/routing/main.ts", "--port", String(PORTS.routing), "--health-port", String(PORTS.routingHealth)], 1);
  await waitFor(`http://127.0.0.1:${PORTS.routingHealth}/healthz`);
  start("routes-subgraph", ["--import", "tsx", "bench/src/grpc/routes-subgraph.ts", "--port", String(PORTS.routes)], 1);
  await waitFor(`http://127.0.0.1:${PORTS.routes}/graphql`);

  const providerUrl = `http://127.0.0.1:${PORTS.provider}`;
  const chargeQuery = JSON.stringify({ query: `{ providerCharge(id: "ch_p2") { id status amountCents amountRefundedCents currency created paymentId } }` });
  const routeQuery = JSON.stringify({ query: `{ deliveryRoute(deliveryId: "d2") { deliveryId etaEpochMs remainingMeters status enRoute } }` });
  const variants = [
    { name: "GraphQL subgraph (charge)", field: "providerCharge", body: chargeQuery, supergraph: compose("charges", `http://127.0.0.1:${PORTS.charges}/graphql`, CHARGES_SDL) },
    {
      name: "REST via connector",
      field: "providerCharge",
      body: chargeQuery,
      supergraph: compose("payment-provider", providerUrl, readFileSync(join(root, "schema/payment-provider.graphql"), "utf8").replace("http://127.0.0.1:4005", providerUrl)),
    },
    { name: "GraphQL subgraph (ETA)", field: "deliveryRoute", body: routeQuery, supergraph: compose("routes", `http://127.0.0.1:${PORTS.routes}/graphql`, ROUTES_SDL) },
    { name: "gRPC via @rpc", field: "deliveryRoute", body: routeQuery, supergraph: compose("routing", `grpc://127.0.0.1:${PORTS.routing}`, readFileSync(join(root, "schema/routing.graphql"), "utf8")) },
  ];
  const results: Measured[] = [];
  for (let round = 1; round <= rounds; round++) {
    for (const variant of variants) {
      const file = join(runDir, `${variant.name.replace(/\W+/g, "-")}.graphql`);
      writeFileSync(file, variant.supergraph);
      // Nothing shared between requests: every request is planned, fetched and mapped on its own.
      const config = join(runDir, `${variant.name.replace(/\W+/g, "-")}.json`);
      writeFileSync(config, JSON.stringify({ supergraph: { path: file, watch: false }, operations: { shareInFlight: false }, subgraphs: { all: { dedup: false, healthCheck: { enabled: false } } }, readiness: { checkSubgraphs: false } }));
      const profile = cpuProfDir ? ["--cpu-prof", `--cpu-prof-dir=${join(cpuProfDir, variant.name.replace(/\W+/g, "-"))}`] : [];
      const gateway = start(`gateway-${round}-${variant.name.replace(/\W+/g, "-")}`, [...profile, "dist/gateway/src/main.js", "--config", config, "--port", String(PORTS.gateway)], 0);
      const url = `http://127.0.0.1:${PORTS.gateway}/graphql`;
      await waitFor(`http://127.0.0.1:${PORTS.gateway}/healthz`);
      const body = variant.body;
      const check = (await (await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body })).json()) as { data?: Record<string, unknown>; errors?: unknown };
      if (!check.data?.[variant.field]) throw new Error(`${variant.name}: ${JSON.stringify(check)}`);
      const load = (tag: string, seconds: number) => runLoad({ url, body, headers: {}, connections, durationS: seconds, core: 1, runDir, tag });
      await load(`warm-${round}-${results.length}`, 2);
      await waitIdle([gateway.pid]);
      const cpu0 = treeCpuMs(gateway.pid);
      const r = await load(`run-${round}-${results.length}`, durationS);
      await waitIdle([gateway.pid]);
      const cpu = treeCpuMs(gateway.pid) - cpu0;
      if (r.non2xx > 0 || r.socketErrors > 0) throw new Error(`${variant.name}: ${r.non2xx} non-2xx, ${r.socketErrors} socket errors`);
      results.push({ variant: variant.name, rps: r.requests / r.durationS, p50Ms: r.p50Ms, p99Ms: r.p99Ms, cpuMsPerRequest: cpu / (r.requests + connections) });
      console.log(`round ${round} ${variant.name}: ${(r.requests / r.durationS).toFixed(0)} req/s, p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms, ${(cpu / (r.requests + connections)).toFixed(3)} ms CPU/request`);
      await gateway.stop();
      owned.splice(owned.indexOf(gateway), 1);
    }
  }
  await Promise.all(owned.map((o) => o.stop()));

  const mean = (name: string, key: keyof Omit<Measured, "variant">) => {
    const rows = results.filter((r) => r.variant === name);
    return rows.reduce((s, r) => s + r[key], 0) / rows.length;
  };
  const lines = [
    "# Protocol translation overhead: one field through a REST connector or a gRPC @rpc vs from a GraphQL subgraph",
    "",
    `Run ${new Date().toISOString()} (\`npm run bench:connectors\`): the compiled gateway, every policy off and nothing shared between requests (\`shareInFlight\` and \`dedup\` off), ${pin ? "pinned to core 0 (backends and wrk on core 1)" : "unpinned"}; wrk with ${connections} connections for ${durationS} s, ${rounds} round(s) alternating; the REST pair reads the payment provider's SQLite file, the gRPC pair the routing seed (in memory). Means over the rounds.`,
    "",
    "| path | req/s | p50 | p99 | gateway CPU per request |",
    "|---|---|---|---|---|",
    ...variants.map((v) => `| ${v.name} | ${mean(v.name, "rps").toFixed(0)} | ${mean(v.name, "p50Ms").toFixed(2)} ms | ${mean(v.name, "p99Ms").toFixed(2)} ms | ${mean(v.name, "cpuMsPerRequest").toFixed(3)} ms |`),
    "",
  ];
  const markdown = lines.join("\n");
  const out = join(root, "bench/results");
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, "connectors.md"), markdown);
  console.log(`\n${markdown}\nwrote bench/results/connectors.md`);
}

main().catch((e: unknown) => {
  console.error("connector benchmark failed:", e instanceof Error ? e.message : e);
  // The services and gateways it started would keep this process alive.
  killAllOwned();
  process.exitCode = 1;
});
