import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { AuthSubgraph } from "../../subgraphs/auth/index.ts";
import { createDeliverySubgraph, type DeliveryRecord, type DeliverySubgraph } from "../../subgraphs/delivery/index.ts";
import { createOrdersSubgraph } from "../../subgraphs/orders/index.ts";
import type { SubgraphHandle } from "../../subgraphs/shared/service.ts";
import { APPLY_PAYMENT_EVENT, codes, gql, representations, serviceToken, startTestAuth, testServiceOptions, tokensFor } from "../helpers/subgraphs.ts";

const ORDER_DELIVERIES = `query ($r: [_Any!]!) {
  _entities(representations: $r) { ... on Order { id delivery { id status eta courier { id } order { id } } } }
}`;
const UPDATE = `mutation Update($orderId: ID!, $status: DeliveryStatus!, $note: String) {
  updateDeliveryStatus(orderId: $orderId, status: $status, note: $note) {
    id status eta courier { id } order { id } events { status at note }
  }
}`;
const MY_DELIVERIES = `query ($first: Int) { myDeliveries(first: $first) { id courier { id } } }`;

describe("delivery subgraph", () => {
  let auth: AuthSubgraph;
  let orders: SubgraphHandle;
  let delivery: DeliverySubgraph;
  let tokens: Record<"alice" | "bob" | "carol" | "admin", string>;
  const published: DeliveryRecord[] = [];
  /** Seeded orders by owner and delivery state, read from the test's own delivery database. */
  const seeded = (where: string) =>
    (delivery.db.prepare(`SELECT order_id AS orderId, id FROM deliveries WHERE ${where} ORDER BY seq LIMIT 1`).get() as { orderId: string; id: string });

  before(async () => {
    auth = await startTestAuth();
    orders = await createOrdersSubgraph(testServiceOptions(auth));
    delivery = await createDeliverySubgraph({ ...testServiceOptions(auth), ordersUrl: orders.url });
    delivery.onDeliveryUpdated((d) => published.push(d));
    tokens = await tokensFor(auth.url, ["alice", "bob", "carol", "admin"]);
  });
  after(async () => {
    await delivery.close();
    await orders.close();
    await auth.close();
  });

  it("resolves 50 orders' deliveries with one SQL query", async () => {
    const ids = Array.from({ length: 50 }, (_, i) => `o${i + 1}`);
    const before = delivery.sqlCount();
    const result = await gql(delivery.url, ORDER_DELIVERIES, { token: tokens.admin, variables: { r: representations("Order", ids) } });
    assert.equal(delivery.sqlCount() - before, 1);
    assert.equal(result.errors, undefined);
    const entities = result.data!._entities;
    assert.deepEqual(entities.map((e: any) => e.delivery.id), ids.map((id) => `d${id.slice(1)}`));
    assert.deepEqual(entities.map((e: any) => e.delivery.order.id), ids);
  });

  it("shows a customer the deliveries of their own orders only", async () => {
    const mine = seeded("customer_id = 'u1'");
    const theirs = seeded("customer_id = 'u2'");
    const result = await gql(delivery.url, ORDER_DELIVERIES, {
      token: tokens.alice,
      variables: { r: representations("Order", [mine.orderId, theirs.orderId]) },
    });
    assert.deepEqual(result.data!._entities.map((e: any) => e.delivery?.id ?? null), [mine.id, null]);

    const query = `query ($id: ID!) { delivery(id: $id) { id } }`;
    assert.deepEqual((await gql(delivery.url, query, { token: tokens.alice, variables: { id: mine.id } })).data, { delivery: { id: mine.id } });
    const hidden = await gql(delivery.url, query, { token: tokens.alice, variables: { id: theirs.id } });
    const missing = await gql(delivery.url, query, { token: tokens.alice, variables: { id: "d999999" } });
    assert.deepEqual(codes(hidden), ["NOT_FOUND"], "another customer's delivery answers like a missing one");
    assert.deepEqual(hidden.data, { delivery: null });
    assert.deepEqual([hidden.errors![0]!.message, hidden.data], [missing.errors![0]!.message, missing.data]);
  });

  it("lists a courier's assigned deliveries, an admin's all, and refuses customers", async () => {
    const asCourier = await gql(delivery.url, MY_DELIVERIES, { token: tokens.carol, variables: { first: 10 } });
    assert.equal(asCourier.data!.myDeliveries.length, 10);
    assert.ok(asCourier.data!.myDeliveries.every((d: any) => d.courier.id === "u3"));
    const asAdmin = await gql(delivery.url, MY_DELIVERIES, { token: tokens.admin, variables: { first: 100 } });
    assert.ok(asAdmin.data!.myDeliveries.some((d: any) => d.courier === null));
    assert.deepEqual(codes(await gql(delivery.url, MY_DELIVERIES, { token: tokens.alice })), ["FORBIDDEN"]);
  });

  it("lets a courier move a delivery on: a history event is appended, the ETA moves and listeners hear of it", async () => {
    const target = seeded("status = 'ASSIGNED' AND courier_id = 'u3'");
    published.length = 0;
    const result = await gql(delivery.url, UPDATE, {
      token: tokens.carol,
      variables: { orderId: target.orderId, status: "PICKED_UP", note: "At the depot" },
    });
    assert.equal(result.errors, undefined);
    const updated = result.data!.updateDeliveryStatus;
    assert.equal(updated.status, "PICKED_UP");
    assert.deepEqual(updated.courier, { id: "u3" });
    assert.deepEqual(updated.events.at(-1).status, "PICKED_UP");
    assert.equal(updated.events.at(-1).note, "At the depot");
    assert.deepEqual(updated.events.map((e: any) => e.status), ["PENDING", "ASSIGNED", "PICKED_UP"]);
    assert.ok(Date.parse(updated.eta) > Date.now());
    assert.deepEqual(published.map((d) => [d.id, d.status]), [[target.id, "PICKED_UP"]]);
  });

  it("refuses status updates from customers", async () => {
    const target = seeded("customer_id = 'u1' AND status = 'PENDING'");
    const result = await gql(delivery.url, UPDATE, { token: tokens.alice, variables: { orderId: target.orderId, status: "DELIVERED" } });
    assert.deepEqual(codes(result), ["FORBIDDEN"]);
    assert.equal(result.data, null);
  });

  it("keeps a delivered delivery final", async () => {
    const target = seeded("status = 'DELIVERED'");
    const result = await gql(delivery.url, UPDATE, { token: tokens.admin, variables: { orderId: target.orderId, status: "IN_TRANSIT" } });
    assert.deepEqual(codes(result), ["INVALID_STATUS_TRANSITION"]);
  });

  it("refuses to start the delivery of an unpaid order, saying why, and starts it once orders says it is paid", async () => {
    const placed = await gql(orders.url, `mutation { placeOrder(input: { items: [{ sku: "SKU-MUG", quantity: 1 }] }) { id totalCents } }`, {
      token: tokens.alice,
    });
    const { id: orderId, totalCents } = placed.data!.placeOrder as { id: string; totalCents: number };
    for (const status of ["ASSIGNED", "PICKED_UP"]) {
      const refused = await gql(delivery.url, UPDATE, { token: tokens.carol, variables: { orderId, status } });
      assert.deepEqual(codes(refused), ["ORDER_NOT_PAID"]);
      assert.equal(refused.errors![0]!.message, `Order ${orderId} is PENDING: its delivery cannot become ${status} until the order is paid`);
      assert.equal(refused.errors![0]!.extensions!.orderStatus, "PENDING");
    }
    const asAdmin = await gql(delivery.url, UPDATE, { token: tokens.admin, variables: { orderId, status: "ASSIGNED" } });
    assert.deepEqual(codes(asAdmin), ["ORDER_NOT_PAID"], "an admin cannot skip payment either");
    assert.equal(delivery.db.prepare("SELECT count(*) AS n FROM deliveries WHERE order_id = ?").pluck().get(orderId), 0, "nothing written");

    // What the payments relay does once the order is paid.
    const paid = await gql(orders.url, APPLY_PAYMENT_EVENT, {
      token: await serviceToken(auth, "payments"),
      variables: { event: { eventId: `evt-test-${orderId}`, orderId, kind: "PAID", paymentId: "pay-test", amountCents: totalCents } },
    });
    assert.equal(paid.data!.applyPaymentEvent.orderStatus, "PAID");
    const result = await gql(delivery.url, UPDATE, { token: tokens.carol, variables: { orderId, status: "ASSIGNED" } });
    assert.equal(result.errors, undefined);
    assert.equal(result.data!.updateDeliveryStatus.id, `d${orderId.slice(1)}`);
    assert.deepEqual(result.data!.updateDeliveryStatus.courier, { id: "u3" });

    const asAlice = await gql(delivery.url, ORDER_DELIVERIES, { token: tokens.alice, variables: { r: representations("Order", [orderId]) } });
    assert.equal(asAlice.data!._entities[0].delivery.status, "ASSIGNED");
    const asBob = await gql(delivery.url, ORDER_DELIVERIES, { token: tokens.bob, variables: { r: representations("Order", [orderId]) } });
    assert.equal(asBob.data!._entities[0].delivery, null);
  });

  it("answers NOT_FOUND for an order that does not exist", async () => {
    const result = await gql(delivery.url, UPDATE, { token: tokens.carol, variables: { orderId: "o999999", status: "ASSIGNED" } });
    assert.deepEqual(codes(result), ["NOT_FOUND"]);
  });
});
