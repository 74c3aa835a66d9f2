/**
 * The routing service (gRPC) joined into the graph by @grpcService/@rpc (schema/routing.graphql),
 * against the real routing service, subgraphs and gateway on 127.0.0.1: a delivery and its ETA
 * in one request, one batched RPC for a list (counted at the service), the request's remaining
 * time as the deadline, the caller's identity as metadata, gRPC statuses as field error codes,
 * and an instance that is down answered by the other.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import * as grpc from "@grpc/grpc-js";
import { createRoutingService, type RoutingService } from "../../services/routing/index.ts";
import { postGraphQL } from "../helpers/gateway.ts";
import { demoAuth, startTestSystem, type TestSystem } from "../helpers/system.ts";
import { TEST_LOG_LEVEL, tokensFor } from "../helpers/subgraphs.ts";

const ORDERS_WITH_ROUTES = `{ orders(first: 10) { edges { node { id delivery { id status route { deliveryId status enRoute etaEpochMs remainingMeters } } } } } }`;
const ROUTE = `query ($id: ID!) { deliveryRoute(deliveryId: $id) { deliveryId status enRoute } }`;
const REQUEST_TIMEOUT_MS = 8_000;

describe("gRPC services joined as subgraphs", () => {
  let system: TestSystem;
  let tokens: Record<"alice", string>;
  let services: RoutingService[];
  const ask = (query: string, variables?: Record<string, unknown>) => postGraphQL(system.gateway.url, query, variables, { authorization: `Bearer ${tokens.alice}` });
  const calls = (from: number[]) => services.flatMap((s, i) => s.received.slice(from[i]));
  const marks = () => services.map((s) => s.received.length);

  before(async () => {
    // Two routing instances, as `npm start` runs them; the gateway balances over them.
    services = [];
    for (let i = 0; i < 2; i++) services.push(await createRoutingService({ port: 0, logLevel: TEST_LOG_LEVEL }));
    system = await startTestSystem((s) => ({
      auth: demoAuth(s),
      operations: { requestTimeoutMs: REQUEST_TIMEOUT_MS },
      subgraphs: {
        all: { healthCheck: { enabled: false } },
        routing: { instances: services.map((r) => ({ url: `grpc://${r.address}`, weight: 1 })), balancer: "round-robin", timeoutMs: 20_000 },
      },
    }));
    tokens = await tokensFor(system.subgraphs.auth.url, ["alice"]);
  });
  after(async () => {
    await system.close();
    await Promise.all(services.map((s) => s.close()));
  });

  it("answers deliveries with their ETA from the routing service in one request, matching the delivery subgraph", async () => {
    const result = await ask(ORDERS_WITH_ROUTES);
    assert.equal(result.body.errors, undefined, JSON.stringify(result.body.errors));
    const deliveries = (result.body.data!.orders as any).edges.map((e: any) => e.node.delivery).filter(Boolean);
    assert.ok(deliveries.length > 1, "alice's orders have deliveries");
    for (const d of deliveries) {
      assert.equal(d.route.deliveryId, d.id, "each answer is matched to its delivery by key");
      assert.equal(d.route.status, d.status);
      assert.equal(d.route.enRoute, d.status !== "DELIVERED" && d.status !== "FAILED");
    }
  });

  it("sends one batched RPC for the whole list of deliveries, whatever their number", async () => {
    const from = marks();
    const result = await ask(ORDERS_WITH_ROUTES);
    const ids = (result.body.data!.orders as any).edges.map((e: any) => e.node.delivery?.id).filter(Boolean) as string[];
    const seen = calls(from);
    assert.equal(seen.length, 1, `one RPC for ${ids.length} deliveries: ${JSON.stringify(seen.map((c) => c.method))}`);
    assert.equal(seen[0]!.method, "EstimateEtas");
    assert.deepEqual([...seen[0]!.deliveryIds].sort(), [...new Set(ids)].sort());
  });

  it("forwards the caller's identity as authorization metadata and the request's remaining time as the deadline", async () => {
    const from = marks();
    const before = Date.now();
    const result = await ask(ROUTE, { id: "d1" });
    const after = Date.now();
    assert.equal((result.body.data!.deliveryRoute as any).deliveryId, "d1");
    const [call] = calls(from);
    assert.equal(call!.method, "EstimateEta");
    assert.equal(call!.authorization, `Bearer ${tokens.alice}`);
    // Earlier than the subgraph's 20 s timeout: what is left of the request's 8 s.
    assert.ok(call!.deadline <= after + REQUEST_TIMEOUT_MS, `deadline ${call!.deadline - before} ms after the request started`);
    assert.ok(call!.deadline > before, "a deadline in the future");
  });

  it("answers an unknown delivery with a null field and the code NOT_FOUND, not retried", async () => {
    const from = marks();
    const result = await ask(ROUTE, { id: "d999999" });
    assert.equal(result.status, 200);
    assert.equal(result.body.data!.deliveryRoute, null);
    const error = result.body.errors?.[0] as any;
    assert.equal(error?.extensions?.code, "NOT_FOUND", JSON.stringify(result.body.errors));
    assert.deepEqual(error.path, ["deliveryRoute"]);
    assert.equal(calls(from).length, 1);
  });

  it("maps PERMISSION_DENIED to FORBIDDEN, without trying another instance", async () => {
    for (const s of services) s.failWith = grpc.status.PERMISSION_DENIED;
    try {
      const from = marks();
      const result = await ask(ROUTE, { id: "d1" });
      assert.equal(result.body.data!.deliveryRoute, null);
      assert.equal((result.body.errors?.[0] as any)?.extensions?.code, "FORBIDDEN", JSON.stringify(result.body.errors));
      assert.equal(calls(from).length, 1);
    } finally {
      for (const s of services) s.failWith = undefined;
    }
  });

  it("retries a query on the other instance when one answers UNAVAILABLE", async () => {
    services[0]!.failWith = grpc.status.UNAVAILABLE;
    try {
      for (let i = 0; i < 4; i++) {
        const result = await ask(ROUTE, { id: "d1" });
        assert.equal(result.body.errors, undefined, JSON.stringify(result.body.errors));
        assert.equal((result.body.data!.deliveryRoute as any).deliveryId, "d1");
      }
    } finally {
      services[0]!.failWith = undefined;
    }
  });

  it("retries a query on the other instance when one answers DEADLINE_EXCEEDED before the gateway's own deadline", async () => {
    services[0]!.failWith = grpc.status.DEADLINE_EXCEEDED;
    services[1]!.failWith = undefined;
    try {
      for (let i = 0; i < 2; i++) {
        const result = await ask(ROUTE, { id: "d1" });
        assert.equal(result.body.errors, undefined, JSON.stringify(result.body.errors));
      }
    } finally {
      services[0]!.failWith = undefined;
    }
  });

  it("answers from the other instance when one is down", async () => {
    await services[0]!.close();
    const from = marks();
    for (let i = 0; i < 4; i++) {
      const result = await ask(ORDERS_WITH_ROUTES);
      assert.equal(result.body.errors, undefined, JSON.stringify(result.body.errors));
      assert.ok((result.body.data!.orders as any).edges.some((e: any) => e.node.delivery?.route?.deliveryId));
    }
    assert.ok(calls(from).length >= 4, "the live instance answered every request");
  });
});

describe("gRPC subgraph deadlines", () => {
  let system: TestSystem;
  let token: string;
  let services: RoutingService[];

  before(async () => {
    services = [];
    for (let i = 0; i < 2; i++) services.push(await createRoutingService({ port: 0, logLevel: TEST_LOG_LEVEL }));
    system = await startTestSystem((s) => ({
      auth: demoAuth(s),
      subgraphs: {
        all: { healthCheck: { enabled: false } },
        routing: { instances: services.map((r) => ({ url: `grpc://${r.address}`, weight: 1 })), balancer: "round-robin", timeoutMs: 300 },
      },
    }));
    token = (await tokensFor(system.subgraphs.auth.url, ["alice"])).alice;
  });
  after(async () => {
    await system.close();
    await Promise.all(services.map((s) => s.close()));
  });

  it("ends a call whose deadline passes with SUBGRAPH_TIMEOUT on the field, without sending it to another instance", async () => {
    // Both instances answer far later than the subgraph's 300 ms.
    for (const s of services) s.delayMs = 30_000;
    try {
      const from = services.map((s) => s.received.length);
      const result = await postGraphQL(system.gateway.url, ROUTE, { id: "d1" }, { authorization: `Bearer ${token}` });
      assert.equal(result.status, 200);
      assert.equal(result.body.data?.deliveryRoute ?? null, null);
      const error = result.body.errors?.[0] as any;
      assert.equal(error?.extensions?.code, "SUBGRAPH_TIMEOUT", JSON.stringify(result.body.errors));
      assert.equal(services.flatMap((s, i) => s.received.slice(from[i])).length, 1, "the spent deadline is not spent again elsewhere");
    } finally {
      for (const s of services) s.delayMs = 0;
    }
  });
});
