/**
 * The four services agree, seen through the gateway: a paid order reads PAID, a refunded one
 * REFUNDED, an unpaid one cannot be picked up (and the error says why), and the services'
 * internal operations are neither in the gateway's schema nor callable with a user token.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { demoAuth, startTestSystem, type TestSystem } from "../helpers/system.ts";
import { APPLY_PAYMENT_EVENT, codes, gql, requestServiceToken, serviceToken, tokensFor } from "../helpers/subgraphs.ts";
import { until, WsTestClient } from "../helpers/subscription-clients.ts";

const READ = `query ($id: ID!) { order(id: $id) { status payment { status amountCents } delivery { status } } }`;
const MOVE = `mutation ($id: ID!, $status: DeliveryStatus!) { updateDeliveryStatus(orderId: $id, status: $status) { status } }`;

describe("orders, payments and delivery agree through the gateway", () => {
  let system: TestSystem;
  let tokens: Record<"alice" | "carol" | "admin", string>;

  const place = async () => {
    const placed = await gql(system.gateway.url, `mutation { placeOrder(input: { items: [{ sku: "SKU-PRESS", quantity: 1 }] }) { id totalCents } }`, { token: tokens.alice });
    assert.equal(placed.errors, undefined, JSON.stringify(placed.errors));
    return placed.data!.placeOrder as { id: string; totalCents: number };
  };
  const read = async (id: string) => (await gql(system.gateway.url, READ, { token: tokens.alice, variables: { id } })).data!.order;
  /** Reads the order until `expected` holds, every 25 ms for at most 5 s. */
  const readUntil = async (id: string, expected: (order: any) => boolean) => {
    let order: any;
    for (const deadline = Date.now() + 5_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 25))) {
      order = await read(id);
      if (expected(order)) return order;
    }
    assert.fail(`the order did not reach the expected state within 5 s; last read ${JSON.stringify(order)}`);
  };

  before(async () => {
    system = await startTestSystem((s) => ({ auth: demoAuth(s) }));
    tokens = await tokensFor(system.subgraphs.auth.url, ["alice", "carol", "admin"]);
  });
  after(() => system.close());

  it("keeps an unpaid order's delivery PENDING: a courier is refused with the reason", async () => {
    const order = await place();
    const refused = await gql(system.gateway.url, MOVE, { token: tokens.carol, variables: { id: order.id, status: "PICKED_UP" } });
    assert.deepEqual(codes(refused), ["ORDER_NOT_PAID"]);
    assert.equal(refused.errors![0]!.message, `Order ${order.id} is PENDING: its delivery cannot become PICKED_UP until the order is paid`);
    assert.deepEqual(await read(order.id), { status: "PENDING", payment: null, delivery: null });
  });

  it("reads a paid order as PAID within a bounded wait, with its payment, lets the courier start the delivery, then reads SHIPPED once picked up and DELIVERED once handed over", async () => {
    const order = await place();
    const paid = await gql(system.gateway.url, `mutation ($id: ID!) { payOrder(orderId: $id, idempotencyKey: "consistency-1") { id status } }`, { token: tokens.alice, variables: { id: order.id } });
    assert.equal(paid.errors, undefined, JSON.stringify(paid.errors));
    const seen = await readUntil(order.id, (o) => o.status === "PAID");
    assert.deepEqual(seen, { status: "PAID", payment: { status: "SUCCEEDED", amountCents: order.totalCents }, delivery: null });

    for (const status of ["ASSIGNED", "PICKED_UP"]) {
      const moved = await gql(system.gateway.url, MOVE, { token: tokens.carol, variables: { id: order.id, status } });
      assert.equal(moved.errors, undefined, JSON.stringify(moved.errors));
    }
    // Delivery tells orders through its outbox, a moment after the courier's answer.
    assert.deepEqual(await readUntil(order.id, (o) => o.status === "SHIPPED"), { status: "SHIPPED", payment: { status: "SUCCEEDED", amountCents: order.totalCents }, delivery: { status: "PICKED_UP" } });
    const delivered = await gql(system.gateway.url, MOVE, { token: tokens.carol, variables: { id: order.id, status: "DELIVERED" } });
    assert.equal(delivered.errors, undefined, JSON.stringify(delivered.errors));
    assert.deepEqual(await readUntil(order.id, (o) => o.status === "DELIVERED"), { status: "DELIVERED", payment: { status: "SUCCEEDED", amountCents: order.totalCents }, delivery: { status: "DELIVERED" } });
  });

  it("pushes the order's payment to a delivery subscriber through the gateway, with the order now PAID", async () => {
    // A seeded unpaid order: it has a (PENDING) delivery to push, unlike one placed in this file.
    const pending = (system.subgraphs.orders.db.prepare("SELECT id FROM orders WHERE user_id = 'u1' AND status = 'PENDING' AND seq <= 300 ORDER BY seq DESC LIMIT 1").get() as { id: string }).id;
    const ws = await WsTestClient.open(system.gateway.url, { authorization: `Bearer ${tokens.alice}` });
    try {
      const listeners = system.subgraphs.delivery.listenerCount();
      ws.subscribe("s", `subscription($id: ID!) { orderDeliveryUpdated(orderId: $id) { status order { status payment { status } } } }`, { id: pending });
      await until(() => system.subgraphs.delivery.listenerCount() > listeners, 10_000, "the subscription reaching delivery");
      const paid = await gql(system.gateway.url, `mutation ($id: ID!) { payOrder(orderId: $id, idempotencyKey: "consistency-push") { status } }`, { token: tokens.alice, variables: { id: pending } });
      assert.equal(paid.errors, undefined, JSON.stringify(paid.errors));
      const push = await ws.waitFor((m) => m.id === "s" && m.type === "next", 10_000, "the push after payment");
      assert.deepEqual(push.payload.data, { orderDeliveryUpdated: { status: "PENDING", order: { status: "PAID", payment: { status: "SUCCEEDED" } } } });
    } finally {
      await ws.close();
    }
  });

  it("reads a refunded order as REFUNDED, with its payment REFUNDED", async () => {
    const order = await place();
    const paymentId = (await gql(system.gateway.url, `mutation ($id: ID!) { payOrder(orderId: $id, idempotencyKey: "consistency-2") { id } }`, { token: tokens.alice, variables: { id: order.id } })).data!.payOrder.id;
    await readUntil(order.id, (o) => o.status === "PAID");
    const refunded = await gql(system.gateway.url, `mutation ($id: ID!) { refundPayment(paymentId: $id) { status } }`, { token: tokens.admin, variables: { id: paymentId } });
    assert.equal(refunded.errors, undefined, JSON.stringify(refunded.errors));
    assert.deepEqual(await readUntil(order.id, (o) => o.status === "REFUNDED"), { status: "REFUNDED", payment: { status: "REFUNDED", amountCents: order.totalCents }, delivery: null });
  });

  it("keeps the internal operations out of the gateway's schema: a user token cannot reach them there", async () => {
    const order = await place();
    const event = { eventId: "evt-through-gateway", orderId: order.id, kind: "PAID", paymentId: "p", amountCents: order.totalCents };
    for (const token of [tokens.alice, tokens.admin]) {
      const viaGateway = await gql(system.gateway.url, APPLY_PAYMENT_EVENT, { token, variables: { event } });
      assert.equal(viaGateway.status, 400);
      assert.ok(codes(viaGateway).every((code) => code === "GRAPHQL_VALIDATION_FAILED"));
      assert.ok(viaGateway.errors!.some((e) => e.message === 'Cannot query field "applyPaymentEvent" on type "Mutation".'));
      const status = await gql(system.gateway.url, `query ($id: ID!) { orderStatus(id: $id) { status } }`, { token, variables: { id: order.id } });
      assert.deepEqual(codes(status), ["GRAPHQL_VALIDATION_FAILED"]);
      const progress = await gql(system.gateway.url, `mutation ($event: DeliveryProgressInput!) { applyDeliveryProgress(event: $event) { outcome } }`, {
        token,
        variables: { event: { eventId: "dpr-through-gateway", orderId: order.id, deliveryId: "d0", kind: "DELIVERED" } },
      });
      assert.equal(progress.status, 400);
      assert.ok(codes(progress).every((code) => code === "GRAPHQL_VALIDATION_FAILED"));
    }
    // Directly at the orders subgraph the operation exists, and a user token is refused there too.
    const direct = await gql(system.subgraphs.orders.url, APPLY_PAYMENT_EVENT, { token: tokens.admin, variables: { event } });
    assert.deepEqual(codes(direct), ["FORBIDDEN"]);
    assert.equal((await read(order.id)).status, "PENDING");
  });

  it("refuses a service token at the gateway: it is for the services' audience only", async () => {
    const token = await serviceToken(system.subgraphs.auth, "payments");
    const result = await gql(system.gateway.url, `{ me { id } }`, { token });
    assert.equal(result.status, 401);
  });

  it("refuses a client-credentials request with a wrong secret, through the auth service's token endpoint", async () => {
    const refused = await requestServiceToken(system.subgraphs.auth.tokenUrl, "payments", "wrong");
    assert.equal(refused.status, 401);
    assert.equal(refused.body.error, "invalid_client");
  });
});
