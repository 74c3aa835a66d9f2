import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { AuthSubgraph } from "../../subgraphs/auth/index.ts";
import { createOrdersSubgraph } from "../../subgraphs/orders/index.ts";
import { createPaymentsSubgraph } from "../../subgraphs/payments/index.ts";
import type { SubgraphHandle } from "../../subgraphs/shared/service.ts";
import { codes, gql, representations, startTestAuth, testServiceOptions, tokensFor } from "../helpers/subgraphs.ts";

const PAY = `mutation Pay($orderId: ID!, $key: String!, $method: PaymentMethod) {
  payOrder(orderId: $orderId, idempotencyKey: $key, method: $method) { id status amountCents method createdAt }
}`;
const PLACE = `mutation ($quantity: Int!) {
  placeOrder(input: { items: [{ sku: "SKU-MUG", quantity: $quantity }] }) { id totalCents }
}`;
const ORDER_PAYMENTS = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id payment { id status amountCents } } } }`;

describe("payments subgraph", () => {
  let auth: AuthSubgraph;
  let orders: SubgraphHandle;
  let payments: SubgraphHandle;
  let tokens: Record<"alice" | "bob" | "carol" | "admin", string>;
  let quantity = 0;

  /** A fresh, unpaid order of the given customer, placed through the orders subgraph. */
  const placeOrder = async (token: string) => {
    const result = await gql(orders.url, PLACE, { token, variables: { quantity: (quantity++ % 5) + 1 } });
    return result.data!.placeOrder as { id: string; totalCents: number };
  };
  const pay = (token: string, orderId: string, key: string, headers?: Record<string, string>) =>
    gql(payments.url, PAY, { token, variables: { orderId, key }, ...(headers ? { headers } : {}) });
  const rowsWithKey = (key: string) => (payments.db.prepare("SELECT count(*) AS n FROM payments WHERE idempotency_key = ?").get(key) as { n: number }).n;

  before(async () => {
    auth = await startTestAuth();
    orders = await createOrdersSubgraph(testServiceOptions(auth));
    payments = await createPaymentsSubgraph({ ...testServiceOptions(auth), ordersUrl: orders.url });
    tokens = await tokensFor(auth.url, ["alice", "bob", "carol", "admin"]);
  });
  after(async () => {
    await payments.close();
    await orders.close();
    await auth.close();
  });

  it("charges the order's total as the orders subgraph reports it", async () => {
    const order = await placeOrder(tokens.alice);
    const result = await pay(tokens.alice, order.id, "charge-total");
    assert.equal(result.errors, undefined);
    assert.deepEqual(
      { status: result.data!.payOrder.status, amountCents: result.data!.payOrder.amountCents, method: result.data!.payOrder.method },
      { status: "SUCCEEDED", amountCents: order.totalCents, method: "CARD" },
    );
  });

  it("returns the original payment for a repeated idempotency key and stores one row", async () => {
    const order = await placeOrder(tokens.alice);
    const first = await pay(tokens.alice, order.id, "repeat-key");
    const second = await pay(tokens.alice, order.id, "repeat-key");
    assert.equal(second.errors, undefined);
    assert.deepEqual(second.data, first.data);
    assert.equal(rowsWithKey("repeat-key"), 1);
  });

  it("creates one payment for two concurrent requests with the same key", async () => {
    const order = await placeOrder(tokens.alice);
    const results = await Promise.all([pay(tokens.alice, order.id, "race-key"), pay(tokens.alice, order.id, "race-key")]);
    for (const result of results) assert.equal(result.errors, undefined);
    assert.equal(results[0].data!.payOrder.id, results[1].data!.payOrder.id);
    assert.equal(rowsWithKey("race-key"), 1);
    // The guarantee does not rest on timing: the table itself refuses a second row for the key.
    assert.throws(
      () =>
        payments.db
          .prepare("INSERT INTO payments (id, order_id, user_id, amount_cents, method, status, idempotency_key, created_at) VALUES ('dup', ?, 'u1', 1, 'CARD', 'SUCCEEDED', 'race-key', 0)")
          .run(order.id),
      { code: "SQLITE_CONSTRAINT_UNIQUE" },
    );
  });

  it("refuses a reused key for another order with IDEMPOTENCY_KEY_REUSED", async () => {
    const [a, b] = [await placeOrder(tokens.alice), await placeOrder(tokens.alice)];
    assert.equal((await pay(tokens.alice, a.id, "one-key")).errors, undefined);
    assert.deepEqual(codes(await pay(tokens.alice, b.id, "one-key")), ["IDEMPOTENCY_KEY_REUSED"]);
  });

  it("refuses to charge a paid order again under a new key with ORDER_ALREADY_PAID", async () => {
    const order = await placeOrder(tokens.alice);
    await pay(tokens.alice, order.id, "first-key");
    assert.deepEqual(codes(await pay(tokens.alice, order.id, "second-key")), ["ORDER_ALREADY_PAID"]);
  });

  it("scopes keys per customer: the same key from two customers makes two payments", async () => {
    const [mine, theirs] = [await placeOrder(tokens.alice), await placeOrder(tokens.bob)];
    const a = await pay(tokens.alice, mine.id, "shared-key");
    const b = await pay(tokens.bob, theirs.id, "shared-key");
    assert.notEqual(a.data!.payOrder.id, b.data!.payOrder.id);
  });

  it("cannot pay another customer's order: orders hides it, so it is NOT_FOUND", async () => {
    const order = await placeOrder(tokens.bob);
    assert.deepEqual(codes(await pay(tokens.alice, order.id, "not-mine")), ["NOT_FOUND"]);
    assert.deepEqual(codes(await pay(tokens.carol, order.id, "courier")), ["FORBIDDEN"], "couriers lack payments:write");
    assert.deepEqual(codes(await gql(payments.url, PAY, { variables: { orderId: order.id, key: "anon" } })), ["UNAUTHENTICATED"]);
    assert.equal(rowsWithKey("not-mine"), 0);
  });

  it("takes the key from an Idempotency-Key header when the argument is empty, and refuses a conflicting pair", async () => {
    const order = await placeOrder(tokens.alice);
    const first = await pay(tokens.alice, order.id, "", { "idempotency-key": "header-key" });
    assert.equal(first.errors, undefined);
    const again = await pay(tokens.alice, order.id, "header-key");
    assert.equal(again.data!.payOrder.id, first.data!.payOrder.id);
    assert.deepEqual(codes(await pay(tokens.alice, order.id, "arg-key", { "idempotency-key": "other" })), ["BAD_USER_INPUT"]);
  });

  it("resolves 50 orders' payments with one SQL query, showing each payment only to its payer and admins", async () => {
    const ids = Array.from({ length: 50 }, (_, i) => `o${i + 1}`);
    const variables = { r: representations("Order", ids) };
    const before = payments.sqlCount();
    const asAdmin = await gql(payments.url, ORDER_PAYMENTS, { token: tokens.admin, variables });
    assert.equal(payments.sqlCount() - before, 1);
    const paidByAdminView = asAdmin.data!._entities.filter((e: any) => e.payment).length;
    assert.ok(paidByAdminView > 25, "most seeded orders have a payment");

    const owners = new Map(
      (payments.db.prepare("SELECT id, user_id AS userId FROM payments WHERE id LIKE 'p%'").all() as { id: string; userId: string }[]).map((p) => [p.id, p.userId]),
    );
    const asAlice = await gql(payments.url, ORDER_PAYMENTS, { token: tokens.alice, variables });
    const visible = asAlice.data!._entities.filter((e: any) => e.payment);
    assert.ok(visible.length > 0);
    assert.ok(visible.every((e: any) => owners.get(e.payment.id) === "u1"));
  });

  const orderStatus = (id: string) => orders.db.prepare("SELECT status FROM orders WHERE id = ?").pluck().get(id);
  const until = async (condition: () => boolean, what: string) => {
    for (const deadline = Date.now() + 5_000; !condition(); ) {
      if (Date.now() > deadline) throw new Error(`${what} did not happen within 5 s`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  it("commits the payment and its outbox event together, and the relay moves the order to PAID", async () => {
    const order = await placeOrder(tokens.alice);
    const paid = await pay(tokens.alice, order.id, "outbox-1");
    const paymentId = paid.data!.payOrder.id;
    const rows = payments.db.prepare("SELECT kind, order_id AS orderId, payment_id AS paymentId, amount_cents AS amountCents FROM outbox WHERE payment_id = ?").all(paymentId);
    assert.deepEqual(rows, [{ kind: "PAID", orderId: order.id, paymentId, amountCents: order.totalCents }]);
    await until(() => orderStatus(order.id) === "PAID", "the order becoming PAID");
    await until(() => payments.db.prepare("SELECT outcome FROM outbox WHERE payment_id = ?").pluck().get(paymentId) === "APPLIED", "the delivery being recorded");
    await pay(tokens.alice, order.id, "outbox-1");
    assert.equal(payments.db.prepare("SELECT count(*) FROM outbox WHERE order_id = ?").pluck().get(order.id), 1, "a replayed payOrder writes no second event");
  });

  it("refunds a payment for an admin only, and the order becomes REFUNDED", async () => {
    const order = await placeOrder(tokens.alice);
    const paymentId = (await pay(tokens.alice, order.id, "refund-1")).data!.payOrder.id;
    const REFUND = `mutation ($id: ID!) { refundPayment(paymentId: $id) { id status amountCents } }`;
    assert.deepEqual(codes(await gql(payments.url, REFUND, { token: tokens.alice, variables: { id: paymentId } })), ["FORBIDDEN"]);
    const refunded = await gql(payments.url, REFUND, { token: tokens.admin, variables: { id: paymentId } });
    assert.deepEqual(refunded.data, { refundPayment: { id: paymentId, status: "REFUNDED", amountCents: order.totalCents } });
    await until(() => orderStatus(order.id) === "REFUNDED", "the order becoming REFUNDED");
    assert.deepEqual(codes(await gql(payments.url, REFUND, { token: tokens.admin, variables: { id: paymentId } })), ["PAYMENT_NOT_REFUNDABLE"]);
    assert.deepEqual(codes(await gql(payments.url, REFUND, { token: tokens.admin, variables: { id: "pay_nope" } })), ["NOT_FOUND"]);
    assert.deepEqual(codes(await pay(tokens.alice, order.id, "refund-2")), ["ORDER_NOT_PAYABLE"], "a refunded order is not paid again");
  });
});
