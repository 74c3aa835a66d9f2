/**
 * Federated subscriptions end to end: real gateway, real subgraphs on 127.0.0.1, clients over
 * WebSocket (graphql-ws) and Server-Sent Events. The delivery subgraph owns the root field; the
 * gateway joins each event with fields from orders and payments through the query plan.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { createDeliverySubgraph, type DeliverySubgraph } from "../../subgraphs/delivery/index.ts";
import { demoAuth, startTestSystem, type TestSystem } from "../helpers/system.ts";
import { startTestGateway } from "../helpers/gateway.ts";
import { gql, testServiceOptions, tokensFor } from "../helpers/subgraphs.ts";
import { sseSubscribe, until, WsTestClient } from "../helpers/subscription-clients.ts";

const SUBSCRIPTION = `subscription Follow($orderId: ID!) {
  orderDeliveryUpdated(orderId: $orderId) { status eta order { id items { name } payment { status } } }
}`;
const UPDATE = `mutation Move($orderId: ID!, $status: DeliveryStatus!) { updateDeliveryStatus(orderId: $orderId, status: $status) { status } }`;

let system: TestSystem;
let tokens: Record<"alice" | "bob" | "carol", string>;
let orderId: string;
let restarted: DeliverySubgraph | undefined;
const open: Array<{ close(): unknown }> = [];

const stats = () => system.gateway.subscriptions!.stats();
/** The delivery instance serving now (a test restarts it). */
const delivery = () => restarted ?? system.subgraphs.delivery;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function moveDelivery(status: string): Promise<void> {
  const r = await gql(system.gateway.url, UPDATE, { token: tokens.carol, variables: { orderId, status } });
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
}

before(async () => {
  system = await startTestSystem((s) => ({
    auth: demoAuth(s),
    subscriptions: { maxPerConnection: 3, maxPerConsumer: 2_000, connectionInitTimeoutMs: 500, maxMessageBytes: 4_096, reconnect: { initialDelayMs: 100, maxDelayMs: 500 } },
  }));
  tokens = await tokensFor(system.subgraphs.auth.url, ["alice", "bob", "carol"]);
  // One of alice's orders that is paid and not delivered yet (DELIVERED is final).
  const mine = await gql(system.gateway.url, `{ orders(first: 50) { edges { node { id payment { status } delivery { status } } } } }`, { token: tokens.alice });
  const candidate = (mine.data as any).orders.edges.map((e: any) => e.node).find((n: any) => n.payment && n.delivery && n.delivery.status !== "DELIVERED");
  assert.ok(candidate, "the seed has a paid, undelivered order of alice's");
  orderId = candidate.id;
});

after(async () => {
  for (const client of open) await client.close();
  await system.close();
  await restarted?.close();
});

describe("federated subscriptions", () => {
  it("pushes a mutation's change to a WebSocket client and an SSE client with fields joined from orders and payments", async () => {
    const ws = await WsTestClient.open(system.gateway.url, bearer(tokens.alice));
    open.push(ws);
    ws.subscribe("1", SUBSCRIPTION, { orderId });
    const sse = await sseSubscribe(system.gateway.url, SUBSCRIPTION, { orderId }, tokens.alice);
    open.push(sse);
    assert.equal(sse.status, 200);
    assert.match(sse.contentType ?? "", /^text\/event-stream/);
    await until(() => stats().subscriptions === 2 && delivery().listenerCount() === 1, 10_000, "both clients subscribed");
    assert.equal(stats().upstreams, 1, "one user's two clients on one order share one upstream subscription");

    await moveDelivery("IN_TRANSIT");
    const wsEvent = await ws.waitFor((m) => m.type === "next" && m.id === "1");
    const sseEvent = await sse.waitFor((e) => e.event === "next");
    for (const payload of [wsEvent.payload, sseEvent.data]) {
      assert.equal(payload.errors, undefined, JSON.stringify(payload.errors));
      const update = payload.data.orderDeliveryUpdated;
      assert.equal(update.status, "IN_TRANSIT");
      assert.equal(update.order.id, orderId);
      assert.ok(update.order.items.length > 0 && update.order.items.every((i: any) => typeof i.name === "string"), "items come from the orders subgraph");
      assert.equal(update.order.payment.status, "SUCCEEDED", "payment comes from the payments subgraph");
      assert.deepEqual(Object.keys(update).sort(), ["eta", "order", "status"], "only the selected fields, none the planner added");
    }
    assert.deepEqual(wsEvent.payload, sseEvent.data, "both transports deliver the same answer");

    ws.send({ type: "complete", id: "1" });
    sse.close();
    await until(() => stats().subscriptions === 0 && stats().upstreams === 0 && delivery().listenerCount() === 0, 5_000, "everything released");
    await ws.close();
  });

  it("lets a courier follow any order but answers another customer NOT_FOUND at subscribe time", async () => {
    const courier = await WsTestClient.open(system.gateway.url, bearer(tokens.carol));
    const stranger = await WsTestClient.open(system.gateway.url, bearer(tokens.bob));
    open.push(courier, stranger);
    stranger.subscribe("s", SUBSCRIPTION, { orderId });
    const refusal = await stranger.waitFor((m) => m.id === "s" && (m.type === "next" || m.type === "error"));
    const errors = refusal.type === "next" ? refusal.payload.errors : refusal.payload;
    assert.equal(errors[0].extensions.code, "NOT_FOUND", "another customer's order is not found, not forbidden");
    await stranger.waitFor((m) => m.id === "s" && m.type === "complete");

    courier.subscribe("c", SUBSCRIPTION, { orderId });
    await until(() => stats().subscriptions === 1 && delivery().listenerCount() === 1, 10_000, "courier subscribed");
    await moveDelivery("PICKED_UP");
    const event = await courier.waitFor((m) => m.id === "c" && m.type === "next");
    assert.equal(event.payload.data.orderDeliveryUpdated.status, "PICKED_UP");
    await courier.close();
    await stranger.close();
    await until(() => stats().subscriptions === 0, 5_000, "released");
  });

  it("applies the authorization directives at subscribe time: an anonymous client is refused", async () => {
    const anonymous = await WsTestClient.open(system.gateway.url, {});
    open.push(anonymous);
    anonymous.subscribe("a", SUBSCRIPTION, { orderId });
    const refusal = await anonymous.waitFor((m) => m.id === "a" && m.type === "error");
    assert.equal(refusal.payload[0].extensions.code, "UNAUTHORIZED_FIELD_OR_TYPE");

    const sse = await sseSubscribe(system.gateway.url, SUBSCRIPTION, { orderId });
    assert.equal(sse.status, 403);
    assert.equal(sse.body.errors[0].extensions.code, "UNAUTHORIZED_FIELD_OR_TYPE");
    await anonymous.close();
  });

  it("subscribes upstream without the caller's token when the subgraph is set not to see identity", async () => {
    // delivery checks ownership itself, so an upstream that carries no token is refused there.
    const blind = await startTestGateway({ auth: demoAuth(system.subgraphs), subgraphs: { ...system.subgraphs.routing, delivery: { ...system.subgraphs.routing.delivery, forwardIdentity: false } } });
    const ws = await WsTestClient.open(blind.url, bearer(tokens.alice));
    try {
      ws.subscribe("b", SUBSCRIPTION, { orderId });
      const refusal = await ws.waitFor((m) => m.id === "b" && (m.type === "next" || m.type === "error"));
      const errors = refusal.type === "next" ? refusal.payload.errors : refusal.payload;
      assert.equal(errors[0].extensions.code, "UNAUTHENTICATED", JSON.stringify(errors));
    } finally {
      await ws.close();
      await blind.stop();
    }
  });

  it("closes a connection whose connection_init carries an invalid token with 4403 and the reason", async () => {
    const client = await WsTestClient.open(system.gateway.url, false);
    open.push(client);
    client.send({ type: "connection_init", payload: { authorization: "Bearer not-a-token" } });
    const closed = await client.closed;
    assert.equal(closed.code, 4403);
    assert.match(closed.reason, /Invalid bearer token/);
  });

  it("refuses a subscription sent as a plain POST with 400 and a code naming the fault", async () => {
    const r = await gql(system.gateway.url, SUBSCRIPTION, { token: tokens.alice, variables: { orderId } });
    assert.equal(r.status, 400);
    assert.equal(r.errors?.[0]?.extensions?.code, "SUBSCRIPTION_OVER_HTTP");
  });

  it("holds a connection to maxPerConnection subscriptions", async () => {
    const client = await WsTestClient.open(system.gateway.url, bearer(tokens.alice));
    open.push(client);
    for (const id of ["1", "2", "3", "4"]) client.subscribe(id, SUBSCRIPTION, { orderId });
    const refusal = await client.waitFor((m) => m.type === "error");
    assert.equal(refusal.payload[0].extensions.code, "SUBSCRIPTION_LIMIT_EXCEEDED");
    await until(() => stats().subscriptions === 3, 5_000, "three subscriptions active");
    await client.close();
    await until(() => stats().subscriptions === 0 && stats().upstreams === 0, 5_000, "released on disconnect");
  });

  it("closes malformed messages with 4400 and keeps serving", async () => {
    const cases: Array<{ name: string; send: (c: WsTestClient) => void; init: boolean; code: number }> = [
      { name: "not JSON", send: (c) => c.send("{not json"), init: true, code: 4400 },
      { name: "unknown message type", send: (c) => c.send({ type: "explode" }), init: true, code: 4400 },
      { name: "subscribe without an id", send: (c) => c.send({ type: "subscribe", payload: { query: SUBSCRIPTION } }), init: true, code: 4400 },
      { name: "a binary frame", send: (c) => c.socket.send(Buffer.from([0, 1, 2])), init: true, code: 4400 },
      { name: "a frame over maxMessageBytes", send: (c) => c.send({ type: "ping", payload: { pad: "x".repeat(5_000) } }), init: true, code: 1009 },
      { name: "subscribe before connection_init", send: (c) => c.subscribe("1", SUBSCRIPTION, { orderId }), init: false, code: 4401 },
      { name: "no connection_init in time", send: () => undefined, init: false, code: 4408 },
    ];
    for (const c of cases) {
      const client = await WsTestClient.open(system.gateway.url, c.init ? bearer(tokens.alice) : false);
      open.push(client);
      c.send(client);
      const closed = await client.closed;
      assert.equal(closed.code, c.code, c.name);
    }
    const query = await gql(system.gateway.url, `{ __typename }`);
    assert.deepEqual(query.data, { __typename: "Query" }, "queries still served");
    const client = await WsTestClient.open(system.gateway.url, bearer(tokens.alice));
    open.push(client);
    client.subscribe("ok", SUBSCRIPTION, { orderId });
    await until(() => stats().subscriptions === 1, 5_000, "a new subscription still starts");
    await client.close();
  });

  it("re-establishes the upstream subscription after a delivery-subgraph restart", async () => {
    const client = await WsTestClient.open(system.gateway.url, bearer(tokens.alice));
    open.push(client);
    client.subscribe("r", SUBSCRIPTION, { orderId });
    await until(() => stats().subscriptions === 1 && delivery().listenerCount() === 1, 10_000, "subscribed");

    const old = system.subgraphs.delivery;
    await old.close();
    restarted = await createDeliverySubgraph({ ...testServiceOptions(system.subgraphs.auth), ordersUrl: system.subgraphs.orders.url, port: old.port });
    await until(() => restarted!.listenerCount() === 1, 15_000, "upstream re-established on the restarted subgraph");

    await moveDelivery("ASSIGNED");
    const event = await client.waitFor((m) => m.id === "r" && m.type === "next");
    assert.equal(event.payload.data.orderDeliveryUpdated.status, "ASSIGNED");
    assert.equal(client.messages.filter((m) => m.id === "r" && (m.type === "complete" || m.type === "error")).length, 0, "the client never saw the drop");
    await client.close();
  });

  it("serves 1,000 concurrent subscribers on one machine and reports the memory per subscriber", { timeout: 120_000 }, async () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const N = 1_000;
    const clients: WsTestClient[] = [];
    gc();
    const before = process.memoryUsage();
    for (let batch = 0; batch < N; batch += 100) {
      const opened = await Promise.all(Array.from({ length: Math.min(100, N - batch) }, () => WsTestClient.open(system.gateway.url, bearer(tokens.alice))));
      for (const client of opened) {
        client.subscribe("m", SUBSCRIPTION, { orderId });
        clients.push(client);
        open.push(client);
      }
    }
    await until(() => stats().subscriptions === N, 60_000, `${N} subscriptions active`);
    assert.equal(stats().upstreams, 1, "one upstream subscription serves them all");
    assert.equal(delivery().listenerCount(), 1);
    gc();
    const during = process.memoryUsage();
    const heapPer = (during.heapUsed - before.heapUsed) / N;
    const rssPer = (during.rss - before.rss) / N;
    console.log(`memory per subscriber (gateway and test clients in one process): heapUsed ${(heapPer / 1024).toFixed(1)} KiB, RSS ${(rssPer / 1024).toFixed(1)} KiB`);

    const ordersSqlBefore = system.subgraphs.orders.sqlCount();
    await moveDelivery("IN_TRANSIT");
    await Promise.all(clients.map((c) => c.waitFor((m) => m.id === "m" && m.type === "next", 60_000)));
    assert.ok(clients.every((c) => c.messages.find((m) => m.type === "next")!.payload.data.orderDeliveryUpdated.status === "IN_TRANSIT"));
    // Every subscriber's event needs the order's items from orders; identical concurrent fetches
    // (same token, same representations) are shared, so 1,000 subscribers cost a handful of queries.
    const ordersSql = system.subgraphs.orders.sqlCount() - ordersSqlBefore;
    console.log(`orders SQL statements for one event to ${N} subscribers: ${ordersSql}`);
    assert.ok(ordersSql < N / 10, `the event's fetches to orders were shared (${ordersSql} SQL statements)`);

    await Promise.all(clients.map((c) => c.close()));
    await until(() => stats().subscriptions === 0 && stats().webSocketConnections === 0 && stats().upstreams === 0, 30_000, "everything released").catch((e: Error) => {
      throw new Error(`${e.message}: ${JSON.stringify(stats())}`);
    });
  });
});

describe("short-lived tokens and subscribe-time rate limits", () => {
  let shortLived: TestSystem;
  before(async () => {
    // The auth service reads ACCESS_TOKEN_TTL when it starts; only this system's tokens are short-lived.
    process.env.ACCESS_TOKEN_TTL = "3";
    try {
      shortLived = await startTestSystem((s) => ({
        auth: demoAuth(s),
        limits: { routes: { "Subscription.orderDeliveryUpdated": { max: 2, windowMs: 60_000 } } },
      }));
    } finally {
      delete process.env.ACCESS_TOKEN_TTL;
    }
  });
  after(() => shortLived.close());

  it("ends the subscription with TOKEN_EXPIRED when the access token expires (WebSocket 4403, SSE error then complete)", { timeout: 30_000 }, async () => {
    const { alice } = await tokensFor(shortLived.subgraphs.auth.url, ["alice"]);
    const mine = await gql(shortLived.gateway.url, `{ orders(first: 1) { edges { node { id } } } }`, { token: alice });
    const id = (mine.data as any).orders.edges[0].node.id;
    const ws = await WsTestClient.open(shortLived.gateway.url, bearer(alice));
    ws.subscribe("e", SUBSCRIPTION, { orderId: id });
    const sse = await sseSubscribe(shortLived.gateway.url, SUBSCRIPTION, { orderId: id }, alice);
    try {
      // At exp + the 5 s clock tolerance: about 8 s after the token was issued.
      const expired = await ws.waitFor((m) => m.id === "e" && m.type === "next", 15_000);
      assert.equal(expired.payload.errors[0].extensions.code, "TOKEN_EXPIRED");
      await ws.waitFor((m) => m.id === "e" && m.type === "complete");
      const closed = await ws.closed;
      assert.equal(closed.code, 4403);
      assert.equal(closed.reason, "Token expired");

      const last = await sse.waitFor((e) => e.event === "next", 10_000);
      assert.equal(last.data.errors[0].extensions.code, "TOKEN_EXPIRED");
      await sse.waitFor((e) => e.event === "complete");
      await sse.ended;
      await until(() => shortLived.gateway.subscriptions!.stats().subscriptions === 0, 5_000, "released");
    } finally {
      sse.close();
      await ws.close();
    }
  });

  it("charges starting a subscription against the rate limits and refuses one over them with 429", async () => {
    const { bob } = await tokensFor(shortLived.subgraphs.auth.url, ["bob"]);
    const mine = await gql(shortLived.gateway.url, `{ orders(first: 1) { edges { node { id } } } }`, { token: bob });
    const id = (mine.data as any).orders.edges[0].node.id;
    const first = await sseSubscribe(shortLived.gateway.url, SUBSCRIPTION, { orderId: id }, bob);
    const second = await sseSubscribe(shortLived.gateway.url, SUBSCRIPTION, { orderId: id }, bob);
    const third = await sseSubscribe(shortLived.gateway.url, SUBSCRIPTION, { orderId: id }, bob);
    try {
      assert.equal(first.status, 200);
      assert.equal(second.status, 200);
      assert.equal(third.status, 429);
      assert.equal(third.body.errors[0].extensions.code, "RATE_LIMITED");
      assert.equal(third.body.errors[0].extensions.limit, "route:Subscription.orderDeliveryUpdated");
    } finally {
      first.close();
      second.close();
    }
    await until(() => shortLived.gateway.subscriptions!.stats().subscriptions === 0, 5_000, "released");
  });
});
