/**
 * Sharing of identical in-flight client operations, end to end: a real gateway with auth and
 * limits over the real subgraphs, and a gate in front of `orders` that holds every fetch until
 * each client request has either sent its own or joined one in flight (the gateway's debug log
 * says which), so the overlap is certain. Subgraph-fetch sharing is off in these gateways, so
 * every fetch the gate sees is one execution.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startGateProxy, type GateProxy } from "../helpers/gate-proxy.ts";
import { startTestGateway, type TestGateway } from "../helpers/gateway.ts";
import { demoAuth, startTestSubgraphs, type TestSubgraphs } from "../helpers/system.ts";
import { gql, tokensFor, type GraphQLResult } from "../helpers/subgraphs.ts";
import type { GatewayConfigInput } from "../../gateway/src/config/schema.ts";

const ORDERS = "query MyOrders($first: Int) { orders(first: $first) { edges { node { id status } } } }";
const COURIER_RUN = "query CourierRun { myDeliveries(first: 3) { id order { id status payment { status } } } }";
/** Filters to the same document as COURIER_RUN for a courier, but the nulls go back under other keys. */
const COURIER_RUN_ALIASED = "query CourierRun { myDeliveries(first: 3) { id order { id status p1: payment { status } p2: payment { status } } } }";
const PLACE_ORDER = `mutation Place { placeOrder(input: { items: [{ sku: "SKU-MILK", quantity: 1 }] }) { id } }`;

let subgraphs: TestSubgraphs;
let gate: GateProxy;
let tokens: Record<"alice" | "bob" | "carol", string>;
const gateways: TestGateway[] = [];

async function gatewayWith(config: GatewayConfigInput = {}): Promise<TestGateway> {
  const gateway = await startTestGateway(
    {
      auth: demoAuth(subgraphs),
      ...config,
      subgraphs: {
        ...subgraphs.routing,
        orders: { url: gate.url },
        // Only operation sharing is under test; health checks would reach the gate too.
        all: { dedup: false, healthCheck: { enabled: false } },
        ...config.subgraphs,
      } as GatewayConfigInput["subgraphs"],
    },
    { captureLogs: true },
  );
  gateways.push(gateway);
  return gateway;
}

const joined = (gateway: TestGateway) => gateway.logs.filter((l) => l.msg === "joined an identical execution in flight").length;
const received = () => gate.received.length;

async function until(what: string, condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((r) => setTimeout(r, 20));
  assert.ok(condition(), what);
}

interface Call {
  token?: string;
  query?: string;
  variables?: Record<string, unknown>;
  signal?: AbortSignal;
  requestId?: string;
}

/**
 * Sends the calls with the gate closed, waits until `fetches` reached the gate and `joins`
 * requests joined one in flight, then opens it. Returns what reached the gate and the responses.
 */
async function overlapping(gateway: TestGateway, calls: Call[], expect: { fetches: number; joins: number }) {
  gate.close();
  const fetchesBefore = received();
  const joinsBefore = joined(gateway);
  const responses = Promise.all(
    calls.map((c) =>
      gql(gateway.url, c.query ?? ORDERS, {
        ...(c.token ? { token: c.token } : {}),
        variables: c.variables ?? { first: 3 },
        headers: c.requestId ? { "x-request-id": c.requestId } : {},
        ...(c.signal ? { signal: c.signal } : {}),
      }).catch((e: unknown) => e as Error),
    ),
  );
  await until(`${expect.fetches} fetches at the gate and ${expect.joins} joins`, () => received() - fetchesBefore >= expect.fetches && joined(gateway) - joinsBefore >= expect.joins);
  const reached = gate.received.slice(fetchesBefore);
  gate.open();
  return { reached, responses: await responses };
}

/** The demo's tiers, all roomy but the customer's. */
const tiers = (customer: { capacity: number; refillPerSecond: number }) => {
  const roomy = { capacity: 1e6, refillPerSecond: 1e6 };
  return { anonymous: roomy, partner: roomy, admin: roomy, customer };
};

/** The limits' estimate for an operation, from the cost report a client may ask for. */
async function estimatedCost(gateway: TestGateway, query: string, variables: Record<string, unknown>, token: string): Promise<number> {
  const response = await fetch(gateway.url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/graphql-response+json", authorization: `Bearer ${token}`, "x-cost-report": "1" },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { extensions?: { cost?: { estimated?: number } } };
  const estimated = body.extensions?.cost?.estimated;
  assert.ok(typeof estimated === "number" && estimated > 0, JSON.stringify(body));
  return estimated;
}

function ok(r: GraphQLResult | Error): GraphQLResult {
  assert.ok(!(r instanceof Error), String(r));
  assert.equal(r.status, 200);
  return r;
}

before(async () => {
  subgraphs = await startTestSubgraphs();
  gate = await startGateProxy(subgraphs.orders.url);
  gate.open();
  tokens = await tokensFor(subgraphs.auth.url, ["alice", "bob", "carol"] as const);
});
after(async () => {
  gate.open();
  await Promise.all(gateways.map((g) => g.stop()));
  await gate.stop();
  await subgraphs.close();
});

describe("identical in-flight operations", () => {
  it("run once for N concurrent identical queries of one caller, and every client gets the full answer under its own request id", async () => {
    const gateway = await gatewayWith();
    const calls = Array.from({ length: 5 }, (_, i) => ({ token: tokens.alice, requestId: `share-${i}` }));
    const { reached, responses } = await overlapping(gateway, calls, { fetches: 1, joins: 4 });
    assert.equal(reached.length, 1, "one execution for five client requests");
    const first = JSON.stringify(ok(responses[0]!).data);
    responses.forEach((r, i) => {
      const result = ok(r);
      assert.equal(result.errors, undefined, JSON.stringify(result.errors));
      assert.equal((result.data as any).orders.edges.length, 3);
      assert.equal(JSON.stringify(result.data), first);
      assert.equal(result.headers.get("x-request-id"), `share-${i}`);
    });
    const metrics = await (await fetch(gateway.metricsUrl!)).text();
    assert.match(metrics, /^gateway_operations_shared_total 4$/m);
    await until("five access-log lines", () => gateway.logs.filter((l) => l.msg === "request completed" && String(l.requestId).startsWith("share-")).length === 5);
    const lines = gateway.logs.filter((l) => l.msg === "request completed" && String(l.requestId).startsWith("share-"));
    const leaders = lines.filter((l) => l.sharedWith === undefined);
    assert.equal(leaders.length, 1, "one request ran the execution");
    for (const line of lines) if (line !== leaders[0]) assert.equal(line.sharedWith, leaders[0]!.requestId);
  });

  it("are never shared between callers with different tokens, or calls with different variables", async () => {
    const gateway = await gatewayWith();
    const calls = [
      { token: tokens.alice },
      { token: tokens.bob },
      { token: tokens.alice, variables: { first: 2 } },
      { token: tokens.alice },
      { token: tokens.bob },
    ];
    const { reached, responses } = await overlapping(gateway, calls, { fetches: 3, joins: 2 });
    assert.equal(reached.length, 3, "one execution per caller and variables");
    const ids = (r: GraphQLResult | Error) => JSON.stringify((ok(r).data as any).orders.edges.map((e: any) => e.node.id));
    assert.equal(ids(responses[0]!), ids(responses[3]!));
    assert.equal(ids(responses[1]!), ids(responses[4]!));
    assert.notEqual(ids(responses[0]!), ids(responses[1]!), "alice and bob see their own orders");
    assert.equal((ok(responses[2]!).data as any).orders.edges.length, 2);
  });

  it("never share a mutation: each identical mutation runs", async () => {
    const gateway = await gatewayWith();
    const calls = Array.from({ length: 3 }, () => ({ token: tokens.alice, query: PLACE_ORDER, variables: {} }));
    const { reached, responses } = await overlapping(gateway, calls, { fetches: 3, joins: 0 });
    assert.equal(reached.length, 3);
    const ids = new Set(responses.map((r) => (ok(r).data as any).placeOrder.id));
    assert.equal(ids.size, 3, "three orders placed");
    assert.equal(joined(gateway), 0);
  });

  it("keep serving the others when the first caller goes away", async () => {
    const gateway = await gatewayWith();
    const leaving = new AbortController();
    gate.close();
    const fetchesBefore = received();
    const joinsBefore = joined(gateway);
    const first = gql(gateway.url, ORDERS, { token: tokens.alice, variables: { first: 3 }, headers: { "x-request-id": "leaving" }, signal: leaving.signal }).catch((e: unknown) => e as Error);
    await until("the first fetch at the gate", () => received() - fetchesBefore === 1);
    const others = Promise.all([0, 1].map(() => gql(gateway.url, ORDERS, { token: tokens.alice, variables: { first: 3 } })));
    await until("both others joined", () => joined(gateway) - joinsBefore === 2);
    leaving.abort();
    assert.ok((await first) instanceof Error);
    await until("the gateway saw the first caller leave", () => gateway.logs.some((l) => l.requestId === "leaving" && l.msg === "request completed" && l.aborted === true));
    gate.open();
    for (const r of await others) assert.equal((ok(r).data as any).orders.edges.length, 3);
    assert.equal(received() - fetchesBefore, 1, "the leader's execution served them");
  });

  it("patch each caller's unauthorized fields once, and give every request its own errors", async () => {
    const gateway = await gatewayWith();
    // Carol is a courier: no payments:read, so `payment` is removed and comes back null with an error per order.
    const calls = Array.from({ length: 3 }, () => ({ token: tokens.carol, query: COURIER_RUN, variables: {} }));
    const { reached, responses } = await overlapping(gateway, calls, { fetches: 1, joins: 2 });
    assert.equal(reached.length, 1);
    const first = ok(responses[0]!);
    const deliveries = (first.data as any).myDeliveries as Array<{ order: { status: string; payment: unknown } }>;
    assert.ok(deliveries.length > 0, "carol has deliveries");
    for (const delivery of deliveries) {
      assert.equal(typeof delivery.order.status, "string");
      assert.equal(delivery.order.payment, null);
    }
    const withoutIds = (r: GraphQLResult) => r.errors?.map((e) => ({ ...e, extensions: { ...e.extensions, requestId: undefined } }));
    assert.ok((first.errors?.length ?? 0) > 0);
    for (const r of responses) {
      const result = ok(r);
      assert.deepEqual(result.data, first.data);
      assert.deepEqual(withoutIds(result), withoutIds(first));
      for (const error of result.errors!) {
        assert.equal(error.extensions?.code, "UNAUTHORIZED_FIELD_OR_TYPE");
        assert.equal(error.extensions?.requestId, result.headers.get("x-request-id"), "each request's own id");
      }
    }
  });

  it("never share between two documents that filter to the same one, since each puts back its own removed fields", async () => {
    const gateway = await gatewayWith();
    const calls = [
      { token: tokens.carol, query: COURIER_RUN, variables: {} },
      { token: tokens.carol, query: COURIER_RUN_ALIASED, variables: {} },
    ];
    const { reached, responses } = await overlapping(gateway, calls, { fetches: 2, joins: 0 });
    assert.equal(reached.length, 2);
    const orders = (r: GraphQLResult | Error) => ((ok(r).data as any).myDeliveries as Array<{ order: Record<string, unknown> }>).map((d) => d.order);
    for (const order of orders(responses[0]!)) assert.deepEqual(Object.keys(order).sort(), ["id", "payment", "status"]);
    for (const order of orders(responses[1]!)) assert.deepEqual(Object.keys(order).sort(), ["id", "p1", "p2", "status"]);
  });

  it("charge every request to its caller's rate limit, so a request over it is refused and never joins", async () => {
    const estimate = await estimatedCost(await gatewayWith({ limits: { tiers: tiers({ capacity: 1e6, refillPerSecond: 1e6 }) } }), ORDERS, { first: 3 }, tokens.alice);
    // Alice's bucket holds exactly two runs of the query.
    const gateway = await gatewayWith({ limits: { tiers: tiers({ capacity: 2 * estimate, refillPerSecond: 0.001 }) } });
    const { reached, responses } = await overlapping(gateway, Array.from({ length: 3 }, () => ({ token: tokens.alice })), { fetches: 1, joins: 1 });
    assert.equal(reached.length, 1);
    const statuses = responses.map((r) => (r instanceof Error ? 0 : r.status)).sort();
    assert.deepEqual(statuses, [200, 200, 429]);
  });

  it("run each request on its own when shareInFlight is off", async () => {
    const gateway = await gatewayWith({ operations: { shareInFlight: false } });
    const { reached } = await overlapping(gateway, Array.from({ length: 3 }, () => ({ token: tokens.alice })), { fetches: 3, joins: 0 });
    assert.equal(reached.length, 3);
  });
});
