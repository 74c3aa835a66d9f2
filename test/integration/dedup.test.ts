/**
 * Sharing identical in-flight subgraph fetches, end to end: real gateway with auth, real
 * subgraphs, a gate in front of `orders` that holds fetches until every client request is
 * waiting on one (the gateway's in-flight gauge says when), so the overlap is certain. Sharing
 * of whole client operations is off here, so each client request plans and fetches on its own.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startGateProxy, type GateProxy } from "../helpers/gate-proxy.ts";
import { startTestGateway, type TestGateway } from "../helpers/gateway.ts";
import { demoAuth, startTestSubgraphs, type TestSubgraphs } from "../helpers/system.ts";
import { gql, tokensFor } from "../helpers/subgraphs.ts";
import type { GatewayConfigInput } from "../../gateway/src/config/schema.ts";

const ORDERS = "query MyOrderIds { orders(first: 3) { edges { node { id status } } } }";

let subgraphs: TestSubgraphs;
let gate: GateProxy;
let tokens: Record<"alice" | "carol", string>;
const gateways: TestGateway[] = [];

async function gatewayWith(extra: GatewayConfigInput["subgraphs"] = {}): Promise<TestGateway> {
  const routing = { ...subgraphs.routing, orders: { url: gate.url } };
  const gateway = await startTestGateway({
    auth: demoAuth(subgraphs),
    // Identical client queries would otherwise share one execution before any fetch (operation-sharing.test.ts).
    operations: { shareInFlight: false },
    // Active health checks would reach the gate too; this test counts client fetches only.
    subgraphs: { ...routing, ...extra, all: { healthCheck: { enabled: false }, ...extra?.all } } as GatewayConfigInput["subgraphs"],
  });
  gateways.push(gateway);
  return gateway;
}

/** Orders fetches the gateway is waiting on (each client request's own, shared or not). */
async function ordersInFlight(gateway: TestGateway): Promise<number> {
  const text = await (await fetch(gateway.metricsUrl!)).text();
  const line = text.split("\n").find((l) => l.startsWith('gateway_subgraph_fetches_in_flight{subgraph="orders"}'));
  return line ? Number(line.split(" ").pop()) : 0;
}

async function untilWaiting(gateway: TestGateway, n: number): Promise<void> {
  for (let i = 0; i < 500 && (await ordersInFlight(gateway)) < n; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(await ordersInFlight(gateway), n, `${n} client requests waiting on orders`);
}

/** Sends the requests, waits until all wait on orders, returns what reached orders meanwhile, then lets them through. */
async function overlapping(gateway: TestGateway, callers: string[]) {
  gate.close();
  const before = gate.received.length;
  const responses = Promise.all(callers.map((token) => gql(gateway.url, ORDERS, { token })));
  await untilWaiting(gateway, callers.length);
  const reached = gate.received.slice(before);
  gate.open();
  return { reached, responses: await responses };
}

before(async () => {
  subgraphs = await startTestSubgraphs();
  gate = await startGateProxy(subgraphs.orders.url);
  gate.open();
  tokens = await tokensFor(subgraphs.auth.url, ["alice", "carol"] as const);
});
after(async () => {
  await Promise.all(gateways.map((g) => g.stop()));
  await gate.stop();
  await subgraphs.close();
});

describe("identical in-flight subgraph fetches", () => {
  it("are sent once for N concurrent identical queries, and every client gets the full answer", async () => {
    const gateway = await gatewayWith();
    const { reached, responses } = await overlapping(gateway, Array.from({ length: 6 }, () => tokens.alice));
    assert.equal(reached.length, 1, "one orders fetch for six client requests");
    const first = JSON.stringify(responses[0]!.data);
    for (const r of responses) {
      assert.equal(r.status, 200);
      assert.equal(r.errors, undefined, JSON.stringify(r.errors));
      assert.equal((r.data as any).orders.edges.length, 3);
      assert.equal(JSON.stringify(r.data), first);
    }
  });

  it("are never shared between callers with different tokens", async () => {
    const gateway = await gatewayWith();
    const { reached, responses } = await overlapping(gateway, [tokens.alice, tokens.carol, tokens.alice, tokens.carol]);
    assert.equal(reached.length, 2, "one fetch per token");
    assert.deepEqual(new Set(reached.map((r) => r.headers.authorization)), new Set([`Bearer ${tokens.alice}`, `Bearer ${tokens.carol}`]));
    const ids = (r: (typeof responses)[number]) => JSON.stringify((r.data as any).orders.edges.map((e: any) => e.node.id));
    assert.equal(ids(responses[0]!), ids(responses[2]!));
    assert.equal(ids(responses[1]!), ids(responses[3]!));
    assert.notEqual(ids(responses[0]!), ids(responses[1]!), "alice and carol see their own orders");
  });

  it("are each sent when dedup is off", async () => {
    const gateway = await gatewayWith({ all: { dedup: false } });
    const { reached } = await overlapping(gateway, [tokens.alice, tokens.alice, tokens.alice]);
    assert.equal(reached.length, 3);
  });

  it("are shared between callers when the subgraph does not see identity, and it never gets a token", async () => {
    const gateway = await gatewayWith({ orders: { url: gate.url, forwardIdentity: false } });
    const { reached, responses } = await overlapping(gateway, [tokens.alice, tokens.carol, tokens.alice, tokens.carol]);
    assert.equal(reached.length, 1, "one fetch for both callers");
    assert.equal(reached[0]!.headers.authorization, undefined);
    // orders itself requires a signed-in caller: its refusal, the same for all four, shows it saw no one.
    const said = (r: (typeof responses)[number]) => JSON.stringify({ data: r.data, errors: r.errors?.map((e) => e.message) });
    assert.match(said(responses[0]!), /Authentication required/);
    for (const r of responses) assert.equal(said(r), said(responses[0]!));
  });
});
