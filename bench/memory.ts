/**
 * `npm run bench:memory`: what an idle connection and an open subscription cost the gateway in
 * memory. The compiled gateway (`node dist/gateway/src/main.js`, its own process) runs in front
 * of the demo subgraphs (in this process, SQLite in memory); for each N (default 1000 and 2000)
 * a fresh gateway first holds N idle keep-alive HTTP connections (each has made one request),
 * then another fresh one N graphql-ws connections with one subscription each (admin following
 * the 300 seeded orders in turn, so about 300 distinct upstream subscriptions are shared). The
 * gateway's RSS and V8 heapUsed come from its /metrics (process_resident_memory_bytes,
 * nodejs_heap_size_used_bytes), read before and after, each after a full collection in the
 * gateway (a preload, bench/src/memory/gc-on-signal.cjs, runs one on SIGUSR2); bytes per
 * connection are the difference over N. Bounded: at most a few thousand sockets, a minute or two.
 *
 *   npm run bench:memory                      # N = 1000, 2000
 *   npm run bench:memory -- --counts 500,4000
 */
import { connect, type Socket } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { freePort, Replica, writeReplicaConfig } from "../test/helpers/replicas.ts";
import { tokensFor } from "../test/helpers/subgraphs.ts";
import { WsTestClient } from "../test/helpers/subscription-clients.ts";
import { demoAuth, startTestSubgraphs, type TestSubgraphs } from "../test/helpers/system.ts";

const SUBSCRIPTION = `subscription Follow($orderId: ID!) { orderDeliveryUpdated(orderId: $orderId) { status eta } }`;
const BATCH = 100;
const GC_PRELOAD = fileURLToPath(new URL("./src/memory/gc-on-signal.cjs", import.meta.url));

interface Memory {
  rss: number;
  heapUsed: number;
}

/** One reading of the gateway's /metrics. */
async function read(replica: Replica): Promise<Memory & { subscriptions: number; upstreams: number }> {
  const text = await (await fetch(replica.url.replace("/graphql", "/metrics"))).text();
  const value = (name: string) => Number(text.match(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "m"))?.[1] ?? NaN);
  return {
    rss: value("process_resident_memory_bytes"),
    heapUsed: value("nodejs_heap_size_used_bytes"),
    subscriptions: value("gateway_subscriptions_active"),
    upstreams: value("gateway_subscription_upstream_connections"),
  };
}

/**
 * Memory once it settles: after 2 s, five rounds of a full collection in the gateway (SIGUSR2,
 * see gc-on-signal.cjs) and a reading; the median of each, so what is counted is live memory.
 */
async function settled(replica: Replica): Promise<Memory> {
  await new Promise((r) => setTimeout(r, 2_000));
  const readings: Memory[] = [];
  for (let i = 0; i < 5; i++) {
    process.kill(replica.pid!, "SIGUSR2");
    await new Promise((r) => setTimeout(r, 300));
    readings.push(await read(replica));
  }
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  return { rss: median(readings.map((r) => r.rss)), heapUsed: median(readings.map((r) => r.heapUsed)) };
}

/** An HTTP/1.1 keep-alive connection that made one request and now sits idle. */
function idleConnection(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let seen = "";
    socket.setEncoding("utf8");
    socket.once("error", reject);
    socket.on("data", (chunk: string) => {
      seen += chunk;
      if (seen.includes('{"status":"ok"}')) {
        socket.removeAllListeners("data");
        socket.on("data", () => {});
        resolve(socket);
      }
    });
    socket.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n");
  });
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

interface Row {
  what: string;
  n: number;
  before: Memory;
  after: Memory;
  note: string;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { counts: { type: "string", default: "1000,2000" } } });
  const counts = values.counts!.split(",").map(Number);
  if (counts.some((n) => !Number.isInteger(n) || n < 1 || n > 5_000)) throw new Error("--counts takes whole numbers from 1 to 5000");

  const subgraphs: TestSubgraphs = await startTestSubgraphs();
  const dir = mkdtempSync(join(tmpdir(), "bench-memory-"));
  const { policies: _functions, ...auth } = demoAuth(subgraphs);
  const configFile = writeReplicaConfig(dir, {
    server: { host: "127.0.0.1", keepAliveTimeoutMs: 600_000 },
    supergraph: { watch: false },
    subgraphs: subgraphs.routing,
    readiness: { checkSubgraphs: false },
    auth,
    subscriptions: { maxPerConsumer: 10_000, idleTimeoutMs: 600_000 },
    telemetry: { metrics: { processMetrics: true }, accessLog: { enabled: false } },
    logging: { level: "warn" },
  });
  const { admin } = await tokensFor(subgraphs.auth.url, ["admin"]);
  const rows: Row[] = [];
  const fresh = async (name: string) => {
    const replica = new Replica(name, await freePort(), configFile, { NODE_ENV: "production", NODE_OPTIONS: `--require ${GC_PRELOAD}` });
    await replica.start();
    // Warm-up: the plan caches, the JIT and the pools, so the baseline is a gateway that has served.
    for (let i = 0; i < 50; i++) await fetch(replica.url, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${admin}` }, body: JSON.stringify({ query: "{ me { id } orders(first: 5) { edges { node { id status delivery { status } } } } }" }) }).then((r) => r.text());
    const warm = await WsTestClient.open(replica.url, { authorization: `Bearer ${admin}` });
    warm.subscribe("w", SUBSCRIPTION, { orderId: "o1" });
    await warm.close();
    return replica;
  };

  try {
    for (const n of counts) {
      const httpGateway = await fresh(`gateway-http-${n}`);
      const before = await settled(httpGateway);
      const sockets: Socket[] = [];
      for (let i = 0; i < n; i += BATCH) sockets.push(...(await Promise.all(Array.from({ length: Math.min(BATCH, n - i) }, () => idleConnection(httpGateway.port)))));
      const after = await settled(httpGateway);
      rows.push({ what: "idle keep-alive HTTP connection", n, before, after, note: "one GET /healthz each, then idle" });
      for (const s of sockets) s.destroy();
      await httpGateway.terminate();

      const wsGateway = await fresh(`gateway-ws-${n}`);
      const wsBefore = await settled(wsGateway);
      const clients: WsTestClient[] = [];
      for (let i = 0; i < n; i += BATCH) {
        const opened = await Promise.all(Array.from({ length: Math.min(BATCH, n - i) }, () => WsTestClient.open(wsGateway.url, { authorization: `Bearer ${admin}` })));
        opened.forEach((c, k) => c.subscribe("s", SUBSCRIPTION, { orderId: `o${((i + k) % 300) + 1}` }));
        clients.push(...opened);
      }
      const deadline = Date.now() + 60_000;
      let now = await read(wsGateway);
      while (now.subscriptions < n && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        now = await read(wsGateway);
      }
      if (now.subscriptions < n) throw new Error(`only ${now.subscriptions} of ${n} subscriptions became active`);
      const wsAfter = await settled(wsGateway);
      rows.push({ what: "graphql-ws connection with one subscription", n, before: wsBefore, after: wsAfter, note: `${now.upstreams} upstream subscriptions shared by them` });
      await Promise.all(clients.map((c) => c.close()));
      await wsGateway.terminate();
    }
  } finally {
    await subgraphs.close();
    rmSync(dir, { recursive: true, force: true });
  }

  console.log("\n| per | N | RSS before → after | RSS per unit | heapUsed before → after | heapUsed per unit | note |");
  console.log("|---|---:|---|---:|---|---:|---|");
  for (const r of rows) {
    console.log(
      `| ${r.what} | ${r.n} | ${mib(r.before.rss)} → ${mib(r.after.rss)} | ${kib((r.after.rss - r.before.rss) / r.n)} | ` +
        `${mib(r.before.heapUsed)} → ${mib(r.after.heapUsed)} | ${kib((r.after.heapUsed - r.before.heapUsed) / r.n)} | ${r.note} |`,
    );
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
