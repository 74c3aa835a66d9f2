/**
 * `npm run bench:chattiness`: for the client's typical screens, how many HTTP round trips and
 * bytes a client spends calling the four services (and the payment provider's REST API) directly versus calling the gateway once,
 * and how many subgraph requests the gateway sends per client request. Real subgraphs (SQLite
 * in memory, seeded) and a real gateway with the demo auth policies, all in this process on
 * 127.0.0.1; every byte is counted on the wire (headers included) by TCP pass-throughs.
 * Prints a Markdown table and writes it to bench/results/chattiness.md.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { validateConfig } from "../gateway/src/config/load.ts";
import { startGateway } from "../gateway/src/gateway.ts";
import { createLogger } from "../gateway/src/logging/logger.ts";
import { demoAuth, startTestSubgraphs } from "../test/helpers/system.ts";
import { tokensFor } from "../test/helpers/subgraphs.ts";
import { startByteCounter, type ByteCounter } from "./src/chattiness/byte-counter.ts";
import { screens, type DirectCall, type Screen } from "./src/chattiness/screens.ts";
import * as grpc from "@grpc/grpc-js";
import { createRoutingClient, type RoutingClient } from "../services/routing/proto.ts";

type Service = DirectCall["service"];
const SERVICES: Service[] = ["auth", "orders", "delivery", "payments", "payment-provider", "routing"];

interface Totals {
  requests: number;
  bytesSent: number;
  bytesReceived: number;
}

const snapshot = (counters: ByteCounter[]): Totals =>
  counters.reduce((t, c) => ({ requests: t.requests + c.counts.requests, bytesSent: t.bytesSent + c.counts.bytesSent, bytesReceived: t.bytesReceived + c.counts.bytesReceived }), { requests: 0, bytesSent: 0, bytesReceived: 0 });
const diff = (a: Totals, b: Totals): Totals => ({ requests: b.requests - a.requests, bytesSent: b.bytesSent - a.bytesSent, bytesReceived: b.bytesReceived - a.bytesReceived });

async function post(url: string, token: string, query: string, variables?: Record<string, unknown>): Promise<Record<string, any>> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, ...(variables ? { variables } : {}) }),
  });
  const body = (await res.json()) as { data?: Record<string, any>; errors?: Array<{ message: string }> };
  if (body.errors?.length) throw new Error(`${url}: ${body.errors.map((e) => e.message).join("; ")}`);
  return body.data ?? {};
}

/** A REST GET to the payment provider, as a client calling it directly would send it. */
async function get(url: string): Promise<Record<string, any>> {
  const res = await fetch(url, { headers: { accept: "application/json" } });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return (await res.json()) as Record<string, any>;
}

interface Row {
  screen: Screen;
  direct: { batched: Totals & { hops: number }; perItem: Totals & { hops: number } };
  gateway: Totals;
  /** The screen's REST endpoint through the gateway, when it has one. */
  rest: Totals | undefined;
  subgraph: Totals;
}

async function main(): Promise<void> {
  const subgraphs = await startTestSubgraphs();
  const counters: ByteCounter[] = [];
  const counter = async (url: string) => {
    const c = await startByteCounter(url);
    counters.push(c);
    return c;
  };
  // Separate pass-throughs for the direct client and for the gateway's own subgraph traffic.
  const direct = Object.fromEntries(await Promise.all(SERVICES.map(async (s) => [s, await counter(subgraphs.routing[s].url)] as const))) as Record<Service, ByteCounter>;
  const upstream = Object.fromEntries(await Promise.all(SERVICES.map(async (s) => [s, await counter(subgraphs.routing[s].url)] as const))) as Record<Service, ByteCounter>;
  const config = validateConfig({
    server: { host: "127.0.0.1", port: 0 },
    supergraph: { watch: false },
    auth: demoAuth(subgraphs),
    // Active health checks would add requests no client caused.
    subgraphs: {
      all: { healthCheck: { enabled: false } },
      // The routing service speaks gRPC: the gateway reaches its counter as grpc://.
      ...Object.fromEntries(SERVICES.map((s) => [s, { url: s === "routing" ? upstream[s].url.replace(/^http/, "grpc") : upstream[s].url }])),
    },
    logging: { level: "warn" },
    // The demo manifest: its operations with an endpoint are REST endpoints (the charge screen has one).
    operations: { persisted: { manifest: "gateway/operations.json", mode: "allow" } },
  });
  const gateway = await startGateway(config, { logger: createLogger({ level: "silent" }) });
  const front = await counter(gateway.url);
  // The byte counters see HTTP/1.1 request lines; gRPC calls (HTTP/2) are counted at the service.
  const grpcCalls = () => subgraphs.routingService.received.length;
  const routing: RoutingClient = createRoutingClient(new URL(direct.routing.url).host);
  const unary = (call: NonNullable<DirectCall["grpc"]>) =>
    new Promise<Record<string, any>>((resolve, reject) =>
      (routing[call.method] as (r: unknown, m: grpc.Metadata, o: object, cb: (e: Error | null, v?: unknown) => void) => void).call(routing, call.request, new grpc.Metadata(), {}, (e, v) =>
        e ? reject(e) : resolve(v as Record<string, any>),
      ),
    );
  const rows: Row[] = [];
  try {
    const tokens = await tokensFor(subgraphs.auth.url, ["alice", "carol"] as const);
    const firstOrder = await post(gateway.url, tokens.alice, "{ orders(first: 1) { edges { node { id } } } }");
    const vars = { id: firstOrder.orders.edges[0].node.id as string };

    for (const screen of screens) {
      const token = tokens[screen.user];
      const variables = screen.gateway.query.includes("$id") ? vars : undefined;
      // Warm up (plans, connections, token caches), then measure one of each.
      await post(front.url, token, screen.gateway.query, variables);
      const g0 = snapshot([front]);
      const s0 = snapshot(Object.values(upstream));
      const c0 = grpcCalls();
      await post(front.url, token, screen.gateway.query, variables);
      const gatewayTotals = diff(g0, snapshot([front]));
      const subgraphTotals = diff(s0, snapshot(Object.values(upstream)));
      subgraphTotals.requests += grpcCalls() - c0;
      let restTotals: Totals | undefined;
      if (screen.rest) {
        const restUrl = front.url.replace(/\/graphql$/, screen.rest);
        const call = async () => {
          const res = await fetch(restUrl, { headers: { authorization: `Bearer ${token}` } });
          if (!res.ok) throw new Error(`${screen.rest}: HTTP ${res.status} ${await res.text()}`);
          await res.arrayBuffer();
        };
        await call();
        const r0 = snapshot([front]);
        await call();
        restTotals = diff(r0, snapshot([front]));
      }

      const runDirect = async (mode: "batched" | "perItem") => {
        const d0 = snapshot(Object.values(direct));
        const c0 = grpcCalls();
        const answers: Array<Record<string, any>> = [];
        let hops = 0;
        for (const hop of screen.direct(mode)) {
          const calls = hop(answers);
          if (calls.length === 0) continue;
          hops++;
          const results = await Promise.all(
            calls.map((c) => (c.grpc ? unary(c.grpc) : c.rest ? get(`${direct[c.service].url.replace(/\/$/, "")}${c.rest}`) : post(direct[c.service].url, token, c.query, c.variables ?? (c.query.includes("$id") ? vars : undefined)))),
          );
          // Per-item calls of one service are folded into one answer, so later hops read them alike.
          answers.push(...foldAnswers(calls, results));
        }
        const totals = diff(d0, snapshot(Object.values(direct)));
        return { ...totals, requests: totals.requests + grpcCalls() - c0, hops };
      };
      const batched = await runDirect("batched");
      const perItem = await runDirect("perItem");
      rows.push({ screen, direct: { batched, perItem }, gateway: gatewayTotals, rest: restTotals, subgraph: subgraphTotals });
    }
  } finally {
    routing.close();
    await gateway.stop();
    await Promise.all(counters.map((c) => c.close()));
    await subgraphs.close();
  }

  const markdown = report(rows);
  const out = join(dirname(fileURLToPath(import.meta.url)), "results");
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, "chattiness.md"), markdown);
  console.log(`${markdown}\nwrote bench/results/chattiness.md`);
}

/** `_entities` answers of one service in one hop, merged in call order; other answers as they are. */
function foldAnswers(calls: DirectCall[], results: Array<Record<string, any>>): Array<Record<string, any>> {
  const folded: Array<Record<string, any>> = [];
  const byService = new Map<string, Record<string, any>>();
  calls.forEach((call, i) => {
    const result = results[i]!;
    if (!("_entities" in result)) return folded.push(result);
    const existing = byService.get(call.service);
    if (existing) existing._entities.push(...result._entities);
    else {
      const copy = { _entities: [...result._entities] };
      byService.set(call.service, copy);
      folded.push(copy);
    }
  });
  return folded;
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const wire = (t: Totals) => `${kb(t.bytesSent)} ↑ ${kb(t.bytesReceived)} ↓`;

function report(rows: Row[]): string {
  const lines = [
    "# Chattiness: the client's screens, calling the services directly vs the gateway",
    "",
    `Run ${new Date().toISOString()} (\`npm run bench:chattiness\`): real subgraphs (in-memory SQLite, seeded) and a real gateway with the demo auth policies, in one process on 127.0.0.1. Bytes are counted on the wire, HTTP headers included (↑ sent by the client, ↓ received); gRPC calls to the routing service are counted at the service, their bytes (HTTP/2 framing included) on the wire like the rest. A direct client must use federation's \`_entities\` for an order's delivery and payment; "batched" sends one such call per service and hop, "per item" one per entity (the N+1 pattern). Sequential round trips are the hops a client must wait for one after another.`,
    "",
    "| screen | direct, batched: requests · sequential round trips · bytes | direct, per item: requests · bytes | gateway: requests · round trips · bytes | REST endpoint: requests · bytes | gateway → subgraphs per client request: requests · bytes |",
    "|---|---|---|---|---|---|",
  ];
  for (const r of rows) {
    const b = r.direct.batched;
    const p = r.direct.perItem;
    lines.push(
      `| ${r.screen.name} | ${b.requests} · ${b.hops} · ${wire(b)} | ${p.requests} · ${wire(p)} | ${r.gateway.requests} · 1 · ${wire(r.gateway)} | ${r.rest ? `${r.rest.requests} · ${wire(r.rest)}` : "—"} | ${r.subgraph.requests} · ${wire(r.subgraph)} |`,
    );
  }
  lines.push("", "Screens:");
  for (const r of rows) lines.push(`- **${r.screen.name}** (${r.screen.user}): ${r.screen.description}.`);
  lines.push(
    "",
    "The gateway's subgraph requests are its query plan's fetches, one per subgraph per hop (entity fetches batch every entity of a hop, as the `batched` client does). Subgraph-to-subgraph calls (delivery and payments asking orders about ownership) happen on both paths and are not counted.",
    "",
  );
  return lines.join("\n");
}

main().catch((e: unknown) => {
  console.error("chattiness report failed:", e instanceof Error ? (e.stack ?? e.message) : e);
  process.exitCode = 1;
});
