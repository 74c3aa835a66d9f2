import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import { maySubscribe } from "../../subgraphs/delivery/subscription.ts";
import type { DeliveryRecord } from "../../subgraphs/delivery/repository.ts";
import { deliveryUpdatesFor } from "../../subgraphs/delivery/update-stream.ts";
import { DeliveryUpdates } from "../../subgraphs/delivery/updates.ts";
import type { UserPrincipal } from "../../subgraphs/shared/identity.ts";
import { startTestSubgraphs, type TestSubgraphs } from "../helpers/system.ts";
import { gql, serviceToken, tokensFor } from "../helpers/subgraphs.ts";
import { until, WsTestClient } from "../helpers/subscription-clients.ts";

const record = (orderId: string, status: DeliveryRecord["status"]): DeliveryRecord => ({ id: `d-${orderId}`, orderId, customerId: "u1", courierId: null, status, eta: null, updatedAt: 0 });
const user = (userId: string, roles: string[]): UserPrincipal => ({ kind: "user", userId, roles, scopes: new Set(["deliveries:read"]) });

describe("who may follow an order's delivery", () => {
  const table: Array<[string, UserPrincipal, boolean]> = [
    ["the order's owner", user("u1", ["customer"]), true],
    ["another customer", user("u2", ["customer"]), false],
    ["any courier", user("u3", ["courier"]), true],
    ["an admin", user("u4", ["admin"]), true],
  ];
  for (const [who, caller, allowed] of table) it(`${allowed ? "allows" : "refuses"} ${who}`, () => assert.equal(maySubscribe(caller, "u1"), allowed));
});

describe("one order's delivery changes as a stream", () => {
  it("yields only the order's changes, in order, and removes its listener on return", async () => {
    const updates = new DeliveryUpdates(() => undefined);
    const stream = deliveryUpdatesFor(updates, "o1");
    updates.publish(record("o1", "ASSIGNED"));
    updates.publish(record("o2", "ASSIGNED"));
    updates.publish(record("o1", "PICKED_UP"));
    assert.equal((await stream.next()).value?.status, "ASSIGNED");
    assert.equal((await stream.next()).value?.status, "PICKED_UP");
    assert.equal(updates.listenerCount, 1);
    await stream.return!();
    assert.equal(updates.listenerCount, 0);
    assert.equal((await stream.next()).done, true);
  });

  it("keeps the newest changes when the reader falls behind", async () => {
    const updates = new DeliveryUpdates(() => undefined);
    const stream = deliveryUpdatesFor(updates, "o1", 2);
    for (const status of ["ASSIGNED", "PICKED_UP", "IN_TRANSIT"] as const) updates.publish(record("o1", status));
    assert.equal((await stream.next()).value?.status, "PICKED_UP");
    assert.equal((await stream.next()).value?.status, "IN_TRANSIT");
    await stream.return!();
  });
});

describe("Subscription.orderDeliveryUpdated over the delivery subgraph's WebSocket", () => {
  let subgraphs: TestSubgraphs;
  let tokens: Record<"alice" | "bob" | "carol", string>;
  let orderId: string;
  const clients: Client[] = [];
  const QUERY = `subscription($id: ID!) { orderDeliveryUpdated(orderId: $id) { status order { id } } }`;

  before(async () => {
    subgraphs = await startTestSubgraphs();
    tokens = await tokensFor(subgraphs.auth.url, ["alice", "bob", "carol"]);
    // One of alice's orders on its way (paid, assigned, not yet delivered), so any move but back is allowed.
    orderId = (subgraphs.delivery.db.prepare("SELECT order_id AS id FROM deliveries WHERE customer_id = 'u1' AND status = 'IN_TRANSIT' ORDER BY seq LIMIT 1").get() as { id: string }).id;
  });
  after(async () => {
    for (const client of clients) await client.dispose();
    await subgraphs.close();
  });

  function first(token: string | undefined): Promise<{ data?: any; errors?: any[] }> {
    const client = createClient({ url: subgraphs.delivery.url.replace(/^http/, "ws"), webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: token ? { authorization: `Bearer ${token}` } : {} });
    clients.push(client);
    return new Promise((resolve, reject) => {
      const stop = client.subscribe({ query: QUERY, variables: { id: orderId } }, {
        next: (value) => {
          resolve(value as { data?: any; errors?: any[] });
          stop();
        },
        error: reject,
        complete: () => undefined,
      });
    });
  }

  it("refuses another customer with NOT_FOUND, as for a missing order, and an anonymous caller when the subscription starts", async () => {
    const [stranger, nobody] = await Promise.all([first(tokens.bob), first(undefined)]);
    assert.equal(stranger.errors?.[0].extensions.code, "NOT_FOUND");
    assert.equal(stranger.errors?.[0].message, "Order not found");
    assert.equal(nobody.errors?.[0].extensions.code, "UNAUTHENTICATED");
  });

  it("pushes the owner each committed status change", async () => {
    const event = first(tokens.alice);
    const deadline = Date.now() + 5_000;
    while (subgraphs.delivery.listenerCount() < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const moved = await gql(subgraphs.delivery.url, `mutation($id: ID!) { updateDeliveryStatus(orderId: $id, status: IN_TRANSIT) { status } }`, { token: tokens.carol, variables: { id: orderId } });
    assert.equal(moved.errors, undefined);
    assert.deepEqual((await event).data, { orderDeliveryUpdated: { status: "IN_TRANSIT", order: { id: orderId } } });
  });

  it("resolves each push afresh: the events list grows with every status change instead of repeating the first push's", async () => {
    const client = await WsTestClient.open(subgraphs.delivery.url, { authorization: `Bearer ${tokens.alice}` });
    try {
      const listeners = subgraphs.delivery.listenerCount();
      client.subscribe("1", `subscription($id: ID!) { orderDeliveryUpdated(orderId: $id) { status events { status } } }`, { id: orderId });
      await until(() => subgraphs.delivery.listenerCount() > listeners, 5_000, "the subscription listening");
      const before = (subgraphs.delivery.db.prepare("SELECT count(*) AS n FROM delivery_events e JOIN deliveries d ON d.id = e.delivery_id WHERE d.order_id = ?").get(orderId) as { n: number }).n;
      const steps = ["PICKED_UP", "IN_TRANSIT", "PICKED_UP", "IN_TRANSIT"] as const;
      for (const [index, status] of steps.entries()) {
        const moved = await gql(subgraphs.delivery.url, `mutation($id: ID!, $s: DeliveryStatus!) { updateDeliveryStatus(orderId: $id, status: $s) { status } }`, { token: tokens.carol, variables: { id: orderId, s: status } });
        assert.equal(moved.errors, undefined);
        // Wait for this push before the next change, so each payload is the state after one step.
        await client.waitFor((m) => m.type === "next" && m.payload.data.orderDeliveryUpdated.events.length === before + index + 1, 5_000, `push ${index + 1}`);
      }
      const pushes = client.messages.filter((m) => m.type === "next").map((m) => m.payload.data.orderDeliveryUpdated);
      assert.deepEqual(pushes.map((p) => p.status), [...steps]);
      assert.deepEqual(pushes.map((p) => p.events.length), steps.map((_, i) => before + i + 1));
      assert.deepEqual(pushes.at(-1).events.slice(-4).map((e: { status: string }) => e.status), [...steps]);
    } finally {
      await client.close();
    }
  });

  it("pushes the delivery when its order is paid: orders tells delivery, which notes it in the history", async () => {
    const pending = (subgraphs.orders.db.prepare("SELECT id FROM orders WHERE user_id = 'u1' AND status = 'PENDING' ORDER BY seq LIMIT 1").get() as { id: string }).id;
    const client = await WsTestClient.open(subgraphs.delivery.url, { authorization: `Bearer ${tokens.alice}` });
    try {
      const listeners = subgraphs.delivery.listenerCount();
      client.subscribe("paid", `subscription($id: ID!) { orderDeliveryUpdated(orderId: $id) { status events { status note } } }`, { id: pending });
      await until(() => subgraphs.delivery.listenerCount() > listeners, 5_000, "the subscription listening");
      const paid = await gql(subgraphs.payments.url, `mutation($id: ID!) { payOrder(orderId: $id, idempotencyKey: "push-on-paid") { status } }`, { token: tokens.alice, variables: { id: pending } });
      assert.equal(paid.errors, undefined, JSON.stringify(paid.errors));
      const push = await client.waitFor((m) => m.id === "paid" && m.type === "next", 10_000, "the push after payment");
      const delivery = push.payload.data.orderDeliveryUpdated;
      assert.equal(delivery.status, "PENDING", "the delivery itself has not moved");
      assert.deepEqual(delivery.events.at(-1), { status: "PENDING", note: "Order PAID" });
    } finally {
      await client.close();
    }
  });

  it("records an order status change once per event id, for the orders service only", async () => {
    const RECORD = `mutation($e: OrderStatusEventInput!) { recordOrderStatus(event: $e) { eventId outcome } }`;
    const event = { eventId: "ost-test-1", orderId: orderId, status: "PAID" };
    const ordersToken = await serviceToken(subgraphs.auth, "orders");
    const history = () => subgraphs.delivery.db.prepare("SELECT count(*) FROM delivery_events e JOIN deliveries d ON d.id = e.delivery_id WHERE d.order_id = ?").pluck().get(orderId) as number;
    const before = history();
    assert.deepEqual((await gql(subgraphs.delivery.url, RECORD, { token: ordersToken, variables: { e: event } })).data, { recordOrderStatus: { eventId: "ost-test-1", outcome: "APPLIED" } });
    assert.deepEqual((await gql(subgraphs.delivery.url, RECORD, { token: ordersToken, variables: { e: event } })).data, { recordOrderStatus: { eventId: "ost-test-1", outcome: "DUPLICATE" } });
    assert.equal(history(), before + 1);
    for (const token of [tokens.carol, await serviceToken(subgraphs.auth, "payments")]) {
      assert.equal((await gql(subgraphs.delivery.url, RECORD, { token, variables: { e: { ...event, eventId: "ost-test-2" } } })).errors?.[0]?.extensions?.code, "FORBIDDEN");
    }
    assert.equal(history(), before + 1);
  });
});
