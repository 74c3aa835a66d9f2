/**
 * Delivery -> orders: a pick-up makes the order SHIPPED and a hand-over DELIVERED, through
 * delivery's outbox and relay, once per event id. In-process services on loopback; the
 * process-kill cases are in test/integration/outbox-processes.test.ts.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { AuthSubgraph } from "../../subgraphs/auth/index.ts";
import { createDeliverySubgraph, type DeliverySubgraph } from "../../subgraphs/delivery/index.ts";
import type { DeliveryStatus } from "../../subgraphs/delivery/policy.ts";
import { progressEventFor } from "../../subgraphs/delivery/progress-outbox.ts";
import { decideDeliveryProgress } from "../../subgraphs/orders/delivery-progress.ts";
import { createOrdersSubgraph } from "../../subgraphs/orders/index.ts";
import type { OrderStatus } from "../../subgraphs/orders/repository.ts";
import type { SubgraphHandle } from "../../subgraphs/shared/service.ts";
import { APPLY_PAYMENT_EVENT, codes, gql, serviceToken, startTestAuth, testServiceOptions, tokensFor } from "../helpers/subgraphs.ts";
import { until } from "../helpers/subscription-clients.ts";

const APPLY = `mutation ($event: DeliveryProgressInput!) { applyDeliveryProgress(event: $event) { eventId outcome orderStatus reason } }`;
const UPDATE = `mutation ($orderId: ID!, $status: DeliveryStatus!) { updateDeliveryStatus(orderId: $orderId, status: $status) { status } }`;

describe("what a delivery event does to an order", () => {
  const table: Array<[string, OrderStatus, "PICKED_UP" | "DELIVERED", string, OrderStatus]> = [
    ["a pick-up ships a paid order", "PAID", "PICKED_UP", "APPLIED", "SHIPPED"],
    ["a hand-over delivers a shipped order", "SHIPPED", "DELIVERED", "APPLIED", "DELIVERED"],
    ["a hand-over delivers a paid order whose pick-up has not arrived yet", "PAID", "DELIVERED", "APPLIED", "DELIVERED"],
    ["a late pick-up leaves a delivered order delivered", "DELIVERED", "PICKED_UP", "APPLIED", "DELIVERED"],
    ["a pick-up for an unpaid order is rejected", "PENDING", "PICKED_UP", "REJECTED", "PENDING"],
    ["a hand-over leaves a refunded order refunded", "REFUNDED", "DELIVERED", "REJECTED", "REFUNDED"],
    ["a pick-up leaves a cancelled order cancelled", "CANCELLED", "PICKED_UP", "REJECTED", "CANCELLED"],
  ];
  for (const [rule, status, kind, outcome, statusAfter] of table) {
    it(rule, () => {
      const decision = decideDeliveryProgress({ status }, { kind });
      assert.deepEqual([decision.outcome, decision.statusAfter], [outcome, statusAfter]);
    });
  }
});

describe("which delivery moves orders hears of", () => {
  const table: Array<[DeliveryStatus | undefined, DeliveryStatus, string | null]> = [
    ["ASSIGNED", "PICKED_UP", "PICKED_UP"],
    ["ASSIGNED", "IN_TRANSIT", "PICKED_UP"],
    ["PICKED_UP", "IN_TRANSIT", null],
    ["IN_TRANSIT", "DELIVERED", "DELIVERED"],
    ["ASSIGNED", "DELIVERED", "DELIVERED"],
    [undefined, "ASSIGNED", null],
    ["PENDING", "FAILED", null],
    ["IN_TRANSIT", "FAILED", null],
    ["IN_TRANSIT", "ASSIGNED", null],
  ];
  for (const [from, to, kind] of table) {
    it(`${from ?? "no delivery"} -> ${to} tells orders ${kind ?? "nothing"}`, () => {
      assert.equal(progressEventFor(from, to), kind);
    });
  }
});

describe("delivery -> orders through delivery's outbox", () => {
  let auth: AuthSubgraph;
  let orders: SubgraphHandle;
  let delivery: DeliverySubgraph;
  let users: Record<"alice" | "carol" | "admin", string>;

  const statusOf = (id: string) => orders.db.prepare("SELECT status FROM orders WHERE id = ?").pluck().get(id);
  const applications = (orderId: string) => orders.db.prepare("SELECT count(*) FROM delivery_progress WHERE order_id = ?").pluck().get(orderId) as number;
  const outboxRows = (orderId: string) =>
    delivery.db.prepare("SELECT event_id AS eventId, kind, delivered_at AS deliveredAt, outcome FROM outbox WHERE order_id = ? ORDER BY seq").all(orderId) as {
      eventId: string;
      kind: string;
      deliveredAt: number | null;
      outcome: string | null;
    }[];

  /** A new order of alice's, paid (as the payments relay would tell orders) and assigned to carol. */
  const paidAndAssigned = async () => {
    const placed = await gql(orders.url, `mutation { placeOrder(input: { items: [{ sku: "SKU-MUG", quantity: 1 }] }) { id totalCents } }`, { token: users.alice });
    const { id: orderId, totalCents } = placed.data!.placeOrder as { id: string; totalCents: number };
    const paid = await gql(orders.url, APPLY_PAYMENT_EVENT, {
      token: await serviceToken(auth, "payments"),
      variables: { event: { eventId: `evt-${orderId}`, orderId, kind: "PAID", paymentId: `pay-${orderId}`, amountCents: totalCents } },
    });
    assert.equal(paid.data!.applyPaymentEvent.orderStatus, "PAID");
    const assigned = await gql(delivery.url, UPDATE, { token: users.carol, variables: { orderId, status: "ASSIGNED" } });
    assert.equal(assigned.errors, undefined, JSON.stringify(assigned.errors));
    return orderId;
  };
  const move = async (orderId: string, status: DeliveryStatus) => {
    const moved = await gql(delivery.url, UPDATE, { token: users.carol, variables: { orderId, status } });
    assert.equal(moved.errors, undefined, JSON.stringify(moved.errors));
  };

  before(async () => {
    auth = await startTestAuth();
    orders = await createOrdersSubgraph(testServiceOptions(auth));
    delivery = await createDeliverySubgraph({ ...testServiceOptions(auth), ordersUrl: orders.url, relay: { initialBackoffMs: 50, pollMs: 200 } });
    users = await tokensFor(auth.url, ["alice", "carol", "admin"]);
  });
  after(async () => {
    await delivery.close();
    await orders.close();
    await auth.close();
  });

  it("ships the order when its courier picks it up and delivers it when the goods are handed over, one event each", async () => {
    const orderId = await paidAndAssigned();
    assert.deepEqual(outboxRows(orderId), [], "assigning tells orders nothing");
    await move(orderId, "PICKED_UP");
    await until(() => statusOf(orderId) === "SHIPPED", 10_000, "the order becoming SHIPPED");
    await move(orderId, "IN_TRANSIT");
    await move(orderId, "DELIVERED");
    await until(() => statusOf(orderId) === "DELIVERED", 10_000, "the order becoming DELIVERED");
    await until(() => outboxRows(orderId).every((r) => r.deliveredAt !== null), 5_000, "every outbox row acknowledged");
    assert.deepEqual(outboxRows(orderId).map((r) => [r.kind, r.outcome]), [["PICKED_UP", "APPLIED"], ["DELIVERED", "APPLIED"]]);
    assert.equal(applications(orderId), 2);
  });

  it("applies the same event twice only once: the second answer is DUPLICATE", async () => {
    const orderId = await paidAndAssigned();
    await move(orderId, "PICKED_UP");
    await until(() => outboxRows(orderId)[0]?.deliveredAt != null, 10_000, "the pick-up delivered");
    const event = { eventId: outboxRows(orderId)[0]!.eventId, orderId, deliveryId: `d${orderId.slice(1)}`, kind: "PICKED_UP" };
    const token = await serviceToken(auth, "delivery");
    for (let i = 0; i < 2; i++) {
      const again = await gql(orders.url, APPLY, { token, variables: { event } });
      assert.deepEqual(again.data, { applyDeliveryProgress: { eventId: event.eventId, outcome: "DUPLICATE", orderStatus: "SHIPPED", reason: null } });
    }
    assert.equal(applications(orderId), 1);
  });

  it("refuses user tokens, an admin's too, and services without orders:record-delivery", async () => {
    const orderId = await paidAndAssigned();
    const event = { eventId: `forged-${orderId}`, orderId, deliveryId: `d${orderId.slice(1)}`, kind: "DELIVERED" };
    for (const token of [users.alice, users.carol, users.admin, await serviceToken(auth, "payments")]) {
      assert.deepEqual(codes(await gql(orders.url, APPLY, { token, variables: { event } })), ["FORBIDDEN"]);
    }
    assert.deepEqual(codes(await gql(orders.url, APPLY, { variables: { event } })), ["UNAUTHENTICATED"]);
    assert.equal(applications(orderId), 0);
    assert.equal(statusOf(orderId), "PAID");
  });
});
