/**
 * Orders' internal operations: applyPaymentEvent (the payments relay moves an order to PAID or
 * REFUNDED, once per event id) and orderStatus (delivery asks whether an order is paid). Only a
 * service token with the operation's scope may call them; a user token never can.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { AuthSubgraph } from "../../subgraphs/auth/index.ts";
import { decidePaymentEvent } from "../../subgraphs/orders/payment-events.ts";
import { createOrdersSubgraph } from "../../subgraphs/orders/index.ts";
import type { SubgraphHandle } from "../../subgraphs/shared/service.ts";
import { APPLY_PAYMENT_EVENT, codes, gql, serviceToken, startTestAuth, testServiceOptions, tokensFor } from "../helpers/subgraphs.ts";

describe("what a payment event does to an order", () => {
  const order = (status: any, totalCents = 1000) => ({ status, totalCents });
  const table: Array<[string, ReturnType<typeof order>, "PAID" | "REFUNDED", number, string, string]> = [
    ["PAID moves a PENDING order to PAID", order("PENDING"), "PAID", 1000, "APPLIED", "PAID"],
    ["PAID leaves a shipped order shipped", order("SHIPPED"), "PAID", 1000, "APPLIED", "SHIPPED"],
    ["PAID for another amount is rejected", order("PENDING"), "PAID", 999, "REJECTED", "PENDING"],
    ["PAID for a cancelled order is rejected", order("CANCELLED"), "PAID", 1000, "REJECTED", "CANCELLED"],
    ["REFUNDED moves a paid order to REFUNDED", order("PAID"), "REFUNDED", 1000, "APPLIED", "REFUNDED"],
    ["REFUNDED moves a delivered order to REFUNDED", order("DELIVERED"), "REFUNDED", 1000, "APPLIED", "REFUNDED"],
  ];
  for (const [rule, current, kind, amountCents, outcome, statusAfter] of table) {
    it(rule, () => {
      const decision = decidePaymentEvent(current, { kind, amountCents });
      assert.deepEqual([decision.outcome, decision.statusAfter], [outcome, statusAfter]);
    });
  }
});

describe("orders subgraph: internal operations for services", () => {
  let auth: AuthSubgraph;
  let orders: SubgraphHandle;
  let users: Record<"alice" | "admin", string>;
  let payments: string;
  let delivery: string;
  let seq = 0;

  const place = async () => {
    const placed = await gql(orders.url, `mutation { placeOrder(input: { items: [{ sku: "SKU-TEA", quantity: 2 }] }) { id totalCents } }`, { token: users.alice });
    return placed.data!.placeOrder as { id: string; totalCents: number };
  };
  const event = (order: { id: string; totalCents: number }, kind = "PAID", eventId = `evt-${++seq}`) => ({
    eventId,
    orderId: order.id,
    kind,
    paymentId: `pay-${seq}`,
    amountCents: order.totalCents,
  });
  const apply = (token: string | undefined, ev: ReturnType<typeof event>) =>
    gql(orders.url, APPLY_PAYMENT_EVENT, { ...(token ? { token } : {}), variables: { event: ev } });
  const statusOf = (id: string) => orders.db.prepare("SELECT status FROM orders WHERE id = ?").pluck().get(id);
  const applications = (eventId: string) => orders.db.prepare("SELECT count(*) FROM payment_events WHERE event_id = ?").pluck().get(eventId);

  before(async () => {
    auth = await startTestAuth();
    orders = await createOrdersSubgraph(testServiceOptions(auth));
    users = await tokensFor(auth.url, ["alice", "admin"]);
    [payments, delivery] = await Promise.all([serviceToken(auth, "payments"), serviceToken(auth, "delivery")]);
  });
  after(async () => {
    await orders.close();
    await auth.close();
  });

  it("moves an order to PAID for the payments service, and answers the same event again DUPLICATE without applying it twice", async () => {
    const order = await place();
    const ev = event(order);
    const first = await apply(payments, ev);
    assert.deepEqual(first.data, { applyPaymentEvent: { eventId: ev.eventId, outcome: "APPLIED", orderStatus: "PAID", reason: null } });
    const again = await apply(payments, ev);
    assert.deepEqual(again.data, { applyPaymentEvent: { eventId: ev.eventId, outcome: "DUPLICATE", orderStatus: "PAID", reason: null } });
    assert.equal(applications(ev.eventId), 1);
    assert.equal(statusOf(order.id), "PAID");
  });

  it("applies one of two concurrent deliveries of an event", async () => {
    const order = await place();
    const ev = event(order);
    const results = await Promise.all([apply(payments, ev), apply(payments, ev), apply(payments, ev)]);
    assert.deepEqual(results.map((r) => r.data!.applyPaymentEvent.outcome).sort(), ["APPLIED", "DUPLICATE", "DUPLICATE"]);
    assert.equal(applications(ev.eventId), 1);
  });

  it("moves a paid order to REFUNDED on a refund event", async () => {
    const order = await place();
    await apply(payments, event(order));
    const refund = await apply(payments, event(order, "REFUNDED"));
    assert.equal(refund.data!.applyPaymentEvent.orderStatus, "REFUNDED");
    const read = await gql(orders.url, `query ($id: ID!) { order(id: $id) { status } }`, { token: users.alice, variables: { id: order.id } });
    assert.deepEqual(read.data, { order: { status: "REFUNDED" } });
  });

  it("records a wrong amount as REJECTED, once, and leaves the order PENDING", async () => {
    const order = await place();
    const ev = { ...event(order), amountCents: 1 };
    const rejected = await apply(payments, ev);
    assert.equal(rejected.data!.applyPaymentEvent.outcome, "REJECTED");
    assert.match(rejected.data!.applyPaymentEvent.reason, /paid 1, the order totals/);
    assert.equal((await apply(payments, ev)).data!.applyPaymentEvent.outcome, "DUPLICATE");
    assert.equal(statusOf(order.id), "PENDING");
  });

  it("refuses user tokens, even an admin's, anonymous callers, and a service without the scope", async () => {
    const order = await place();
    const ev = event(order);
    assert.deepEqual(codes(await apply(users.alice, ev)), ["FORBIDDEN"]);
    assert.deepEqual(codes(await apply(users.admin, ev)), ["FORBIDDEN"]);
    assert.equal((await apply(users.admin, ev)).errors![0]!.message, "Only services may call this operation");
    assert.deepEqual(codes(await apply(undefined, ev)), ["UNAUTHENTICATED"]);
    assert.deepEqual(codes(await apply(delivery, ev)), ["FORBIDDEN"], "delivery may read status, not mark orders paid");
    assert.equal(applications(ev.eventId), 0);
    assert.equal(statusOf(order.id), "PENDING");
  });

  it("tells the delivery service an order's status and owner, and nobody else", async () => {
    const order = await place();
    const query = `query ($id: ID!) { orderStatus(id: $id) { id status userId } }`;
    const asDelivery = await gql(orders.url, query, { token: delivery, variables: { id: order.id } });
    assert.deepEqual(asDelivery.data, { orderStatus: { id: order.id, status: "PENDING", userId: "u1" } });
    assert.deepEqual(codes(await gql(orders.url, query, { token: users.alice, variables: { id: order.id } })), ["FORBIDDEN"]);
    assert.deepEqual(codes(await gql(orders.url, query, { token: payments, variables: { id: order.id } })), ["FORBIDDEN"]);
  });

  it("gives a service token nothing of the users' operations", async () => {
    const result = await gql(orders.url, `{ orders(first: 1) { totalCount } }`, { token: payments });
    assert.deepEqual(codes(result), ["UNAUTHENTICATED"]);
  });
});
