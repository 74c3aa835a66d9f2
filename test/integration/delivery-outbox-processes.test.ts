/**
 * Delivery -> orders exactly once, with real processes: orders and delivery run as their own
 * `subgraphs/main.ts` processes on SQLite files (auth in this process). Orders is killed before
 * the courier's hand-over, so delivery commits a change orders cannot hear of yet; delivery is
 * killed with an event still unsent. Both are told once the other is back, and applied once.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import Database from "better-sqlite3";
import type { AuthSubgraph } from "../../subgraphs/auth/index.ts";
import { freePort, kill, startService, type ServiceProcess } from "../helpers/service-processes.ts";
import { APPLY_PAYMENT_EVENT, gql, serviceToken, startTestAuth, tempDir, tokensFor } from "../helpers/subgraphs.ts";
import { until } from "../helpers/subscription-clients.ts";

const UPDATE = `mutation ($orderId: ID!, $status: DeliveryStatus!) { updateDeliveryStatus(orderId: $orderId, status: $status) { status } }`;
const APPLY = `mutation ($event: DeliveryProgressInput!) { applyDeliveryProgress(event: $event) { eventId outcome orderStatus } }`;

describe("delivery -> orders, exactly once, across process restarts", () => {
  let auth: AuthSubgraph;
  let dir: ReturnType<typeof tempDir>;
  let orders: ServiceProcess | undefined;
  let delivery: ServiceProcess | undefined;
  let ordersPort: number;
  let deliveryPort: number;
  let env: Record<string, string>;
  let users: Record<"alice" | "carol", string>;
  let ordersDb: Database.Database | undefined;
  let deliveryDb: Database.Database | undefined;

  const ordersUrl = () => `http://127.0.0.1:${ordersPort}/graphql`;
  const deliveryUrl = () => `http://127.0.0.1:${deliveryPort}/graphql`;
  const startOrders = async () => (orders = await startService("orders", ordersPort, join(dir.path, "orders.db"), { ...env, DELIVERY_URL: deliveryUrl() }));
  const startDelivery = async () => (delivery = await startService("delivery", deliveryPort, join(dir.path, "delivery.db"), { ...env, ORDERS_URL: ordersUrl() }));
  const orderStatus = (id: string) => (ordersDb ??= new Database(join(dir.path, "orders.db"), { readonly: true })).prepare("SELECT status FROM orders WHERE id = ?").pluck().get(id);
  const applications = (id: string) => ordersDb!.prepare("SELECT count(*) FROM delivery_progress WHERE order_id = ?").pluck().get(id) as number;
  const outboxRow = (orderId: string, kind: string) =>
    (deliveryDb ??= new Database(join(dir.path, "delivery.db"), { readonly: true }))
      .prepare("SELECT event_id AS eventId, attempts, next_attempt_at AS nextAttemptAt, delivered_at AS deliveredAt, outcome FROM outbox WHERE order_id = ? AND kind = ?")
      .get(orderId, kind) as { eventId: string; attempts: number; nextAttemptAt: number; deliveredAt: number | null; outcome: string | null } | undefined;

  const move = async (orderId: string, status: string) => {
    const moved = await gql(deliveryUrl(), UPDATE, { token: users.carol, variables: { orderId, status } });
    assert.equal(moved.errors, undefined, JSON.stringify(moved.errors));
  };
  /** A new order of alice's, paid (as payments' relay tells orders) and assigned to carol: orders must be up. */
  const paidAndAssigned = async () => {
    const placed = await gql(ordersUrl(), `mutation { placeOrder(input: { items: [{ sku: "SKU-SCALE", quantity: 1 }] }) { id totalCents } }`, { token: users.alice });
    const { id: orderId, totalCents } = placed.data!.placeOrder as { id: string; totalCents: number };
    const paid = await gql(ordersUrl(), APPLY_PAYMENT_EVENT, {
      token: await serviceToken(auth, "payments"),
      variables: { event: { eventId: `evt-${orderId}`, orderId, kind: "PAID", paymentId: `pay-${orderId}`, amountCents: totalCents } },
    });
    assert.equal(paid.data!.applyPaymentEvent.orderStatus, "PAID");
    await move(orderId, "ASSIGNED");
    return orderId;
  };

  before(async () => {
    dir = tempDir("delivery-outbox-processes-");
    auth = await startTestAuth();
    env = { AUTH_JWKS_URL: auth.jwksUrl };
    [ordersPort, deliveryPort] = [await freePort(), await freePort()];
    await startOrders();
    await startDelivery();
    users = await tokensFor(auth.url, ["alice", "carol"]);
  });
  after(async () => {
    ordersDb?.close();
    deliveryDb?.close();
    await Promise.all([kill(orders), kill(delivery)]);
    await auth.close();
    dir.cleanup();
  });

  it("makes the order DELIVERED once orders is back after being down when the goods were handed over, applying the event once", async () => {
    const orderId = await paidAndAssigned();
    await kill(orders);
    // ASSIGNED -> DELIVERED needs nothing of orders: the delivery commits it with orders down.
    await move(orderId, "DELIVERED");
    await until(() => (outboxRow(orderId, "DELIVERED")?.attempts ?? 0) >= 2, 10_000, "delivery attempts while orders is down");
    assert.equal(outboxRow(orderId, "DELIVERED")!.deliveredAt, null);
    assert.equal(orderStatus(orderId), "PAID");

    await startOrders();
    await until(() => orderStatus(orderId) === "DELIVERED", 20_000, "the order becoming DELIVERED after orders restarted");
    await until(() => outboxRow(orderId, "DELIVERED")!.deliveredAt !== null, 5_000, "the outbox row marked delivered");
    assert.equal(outboxRow(orderId, "DELIVERED")!.outcome, "APPLIED");
    assert.equal(applications(orderId), 1, "applied exactly once");
    console.log(`delivered to orders after ${outboxRow(orderId, "DELIVERED")!.attempts} attempts`);
  });

  it("sends a pick-up committed by a delivery process killed before sending it, once delivery restarts", async () => {
    const orderId = await paidAndAssigned();
    await kill(orders);
    await move(orderId, "PICKED_UP");
    // Kill while the row waits out a backoff (not while a send holds its lease).
    await until(() => {
      const row = outboxRow(orderId, "PICKED_UP");
      const wait = (row?.nextAttemptAt ?? 0) - Date.now();
      return (row?.attempts ?? 0) >= 1 && wait > 100 && wait < 10_000;
    }, 10_000, "the event waiting for a retry");
    await kill(delivery);
    await startOrders();
    assert.equal(orderStatus(orderId), "PAID");

    await startDelivery();
    await until(() => orderStatus(orderId) === "SHIPPED", 20_000, "the order becoming SHIPPED after delivery restarted");
    assert.equal(applications(orderId), 1);
  });

  it("applies the same event delivered twice only once: both repeats are DUPLICATE", async () => {
    const orderId = await paidAndAssigned();
    await move(orderId, "DELIVERED");
    await until(() => outboxRow(orderId, "DELIVERED")?.deliveredAt != null, 10_000, "the hand-over delivered");
    const event = { eventId: outboxRow(orderId, "DELIVERED")!.eventId, orderId, deliveryId: `d${orderId.slice(1)}`, kind: "DELIVERED" };
    const token = await serviceToken(auth, "delivery");
    for (let i = 0; i < 2; i++) {
      const again = await gql(ordersUrl(), APPLY, { token, variables: { event } });
      assert.deepEqual(again.data, { applyDeliveryProgress: { eventId: event.eventId, outcome: "DUPLICATE", orderStatus: "DELIVERED" } });
    }
    assert.equal(applications(orderId), 1);
  });
});
