/**
 * A gRPC server stream as a subscription field: Subscription.courierLocation is routing.proto's
 * WatchCourier, served through the real gateway over graphql-ws and SSE from a real routing
 * service on 127.0.0.1. Events come in the service's order and the subscription completes when
 * the stream ends; a client that leaves cancels the stream at the service; a status ends it with
 * the mapped code.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createRoutingService, type RoutingService } from "../../services/routing/index.ts";
import { seedRoutes } from "../../services/routing/seed.ts";
import { demoAuth, startTestSystem, type TestSystem } from "../helpers/system.ts";
import { sseSubscribe, until, WsTestClient } from "../helpers/subscription-clients.ts";
import { TEST_LOG_LEVEL, tokensFor } from "../helpers/subgraphs.ts";

const WATCH = `subscription ($id: ID!, $ms: Int) { courierLocation(deliveryId: $id, intervalMs: $ms) { deliveryId courierId sequence remainingMeters arrived } }`;

describe("gRPC server streaming as a subscription field", () => {
  let system: TestSystem;
  let token: string;
  let service: RoutingService;
  // A route with several positions still to go, and one with no courier.
  const route = seedRoutes().find((r) => r.courierId !== null && r.waypoints.length - r.position >= 3)!;
  const unassigned = seedRoutes().find((r) => r.courierId === null)!;
  const clients: Array<{ close(): unknown }> = [];

  before(async () => {
    service = await createRoutingService({ port: 0, logLevel: TEST_LOG_LEVEL });
    system = await startTestSystem((s) => ({
      auth: demoAuth(s),
      subgraphs: { all: { healthCheck: { enabled: false } }, routing: { instances: [{ url: `grpc://${service.address}`, weight: 1 }] } },
    }));
    token = (await tokensFor(system.subgraphs.auth.url, ["alice"])).alice;
  });
  after(async () => {
    for (const c of clients) await c.close();
    await system.close();
    await service.close();
  });

  it("streams the courier's positions over graphql-ws in the service's order, then completes", async () => {
    const ws = await WsTestClient.open(system.gateway.url, { authorization: `Bearer ${token}` });
    clients.push(ws);
    ws.subscribe("1", WATCH, { id: route.deliveryId, ms: 10 });
    await ws.waitFor((m) => m.type === "complete" && m.id === "1", 10_000, "complete");
    const events = ws.messages.filter((m) => m.type === "next" && m.id === "1").map((m) => m.payload);
    assert.ok(events.every((e) => e.errors === undefined), JSON.stringify(events));
    const locations = events.map((e) => e.data.courierLocation);
    assert.equal(locations.length, route.waypoints.length - route.position);
    assert.deepEqual(locations.map((l) => l.sequence), locations.map((_, i) => route.position + i));
    assert.ok(locations.every((l) => l.deliveryId === route.deliveryId && l.courierId === route.courierId));
    assert.equal(locations.at(-1).arrived, true);
    const call = service.received.findLast((c) => c.method === "WatchCourier")!;
    assert.equal(call.authorization, `Bearer ${token}`, "the caller's identity went as metadata");
  });

  it("streams the same positions over SSE", async () => {
    const sse = await sseSubscribe(system.gateway.url, WATCH, { id: route.deliveryId, ms: 10 }, token);
    clients.push(sse);
    assert.equal(sse.status, 200);
    await sse.ended;
    const nexts = sse.events.filter((e) => e.event === "next").map((e) => e.data.data.courierLocation.sequence);
    assert.deepEqual(nexts, Array.from({ length: route.waypoints.length - route.position }, (_, i) => route.position + i));
  });

  it("cancels the stream at the service when the client leaves", async () => {
    const ws = await WsTestClient.open(system.gateway.url, { authorization: `Bearer ${token}` });
    clients.push(ws);
    ws.subscribe("2", WATCH, { id: route.deliveryId, ms: 60_000 });
    await ws.waitFor((m) => m.type === "next" && m.id === "2", 10_000, "the first position");
    assert.equal(service.openStreams, 1);
    ws.send({ type: "complete", id: "2" });
    await until(() => service.openStreams === 0, 10_000, "the service saw the cancel");
  });

  it("ends the subscription with the mapped code when the service refuses the stream", async () => {
    const ws = await WsTestClient.open(system.gateway.url, { authorization: `Bearer ${token}` });
    clients.push(ws);
    ws.subscribe("3", WATCH, { id: "d999999" });
    ws.subscribe("4", WATCH, { id: unassigned.deliveryId });
    const notFound = await ws.waitFor((m) => (m.type === "error" || m.type === "next") && m.id === "3", 10_000, "the refusal");
    const precondition = await ws.waitFor((m) => (m.type === "error" || m.type === "next") && m.id === "4", 10_000, "the refusal");
    const codeOf = (m: { payload?: any }) => (Array.isArray(m.payload) ? m.payload : m.payload?.errors)?.[0]?.extensions?.code;
    assert.equal(codeOf(notFound), "NOT_FOUND", JSON.stringify(notFound));
    assert.equal(codeOf(precondition), "FAILED_PRECONDITION", JSON.stringify(precondition));
  });
});

describe("a gRPC server stream whose service is down", () => {
  it("ends the subscription with SUBGRAPH_UNAVAILABLE, as an unreachable GraphQL subgraph does", async () => {
    // A port that listened a moment ago and now refuses connections.
    const gone = await createRoutingService({ port: 0, logLevel: TEST_LOG_LEVEL });
    await gone.close();
    const system = await startTestSystem((s) => ({
      auth: demoAuth(s),
      subgraphs: { all: { healthCheck: { enabled: false } }, routing: { instances: [{ url: `grpc://${gone.address}`, weight: 1 }] } },
    }));
    const ws = await WsTestClient.open(system.gateway.url, { authorization: `Bearer ${(await tokensFor(system.subgraphs.auth.url, ["alice"])).alice}` });
    try {
      ws.subscribe("1", WATCH, { id: "d1" });
      const end = await ws.waitFor((m) => (m.type === "error" || m.type === "next") && m.id === "1", 10_000, "the end");
      const errors = Array.isArray(end.payload) ? end.payload : end.payload?.errors;
      assert.equal(errors?.[0]?.extensions?.code, "SUBGRAPH_UNAVAILABLE", JSON.stringify(end));
      // The same end as a GraphQL subgraph's unreachable WebSocket gets: the subgraph is unavailable, not refusing.
      assert.match(errors[0].message, /Subgraph "routing" is unavailable/);
    } finally {
      await ws.close();
      await system.close();
    }
  });
});

describe("a gRPC server stream whose instance goes away mid-stream", () => {
  it("is reopened on the other instance, the subscription kept, as a GraphQL subgraph's dropped WebSocket is", { timeout: 60_000 }, async () => {
    const services = await Promise.all([0, 1].map(() => createRoutingService({ port: 0, logLevel: TEST_LOG_LEVEL })));
    const system = await startTestSystem((s) => ({
      auth: demoAuth(s),
      subscriptions: { reconnect: { initialDelayMs: 20, maxDelayMs: 100 } },
      subgraphs: { all: { healthCheck: { enabled: false } }, routing: { instances: services.map((service) => ({ url: `grpc://${service.address}`, weight: 1 })) } },
    }));
    // The longest route still to go, ticking slowly enough to outlast the first instance's shutdown grace.
    const route = seedRoutes()
      .filter((r) => r.courierId !== null)
      .sort((a, b) => b.waypoints.length - b.position - (a.waypoints.length - a.position))[0]!;
    const ws = await WsTestClient.open(system.gateway.url, { authorization: `Bearer ${(await tokensFor(system.subgraphs.auth.url, ["alice"])).alice}` });
    try {
      ws.subscribe("1", WATCH, { id: route.deliveryId, ms: 300 });
      await ws.waitFor((m) => m.type === "next" && m.id === "1", 10_000, "the first position");
      const first = services.find((s) => s.openStreams === 1)!;
      const other = services.find((s) => s !== first)!;
      await first.close();
      const seenBeforeFailover = ws.messages.filter((m) => m.id === "1").length;
      await ws.waitFor((m) => m.type === "complete" && m.id === "1", 20_000, "the route's end, streamed by the other instance");
      const after = ws.messages.filter((m) => m.id === "1").slice(seenBeforeFailover);
      assert.ok(ws.messages.every((m) => m.id !== "1" || m.type !== "error"), JSON.stringify(ws.messages.filter((m) => m.type === "error")));
      const positions = after.filter((m) => m.type === "next").map((m) => m.payload);
      assert.ok(positions.length > 0 && positions.every((p) => p.errors === undefined), JSON.stringify(positions));
      assert.equal(positions.at(-1).data.courierLocation.arrived, true, "the other instance streamed to the destination");
      assert.ok(other.received.some((c) => c.method === "WatchCourier" && c.deliveryIds.includes(route.deliveryId)), "the stream was reopened on the other instance");
    } finally {
      await ws.close();
      await system.close();
      await Promise.all(services.map((s) => s.close()));
    }
  });
});
