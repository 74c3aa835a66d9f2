import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createPaymentProvider, type PaymentProvider } from "../../../services/payment-provider/index.ts";
import type { AuthSubgraph } from "../../../subgraphs/auth/index.ts";
import { createOrdersSubgraph } from "../../../subgraphs/orders/index.ts";
import { createPaymentsSubgraph } from "../../../subgraphs/payments/index.ts";
import type { SubgraphHandle } from "../../../subgraphs/shared/service.ts";
import { gql, startTestAuth, testServiceOptions, TEST_LOG_LEVEL, tokensFor } from "../../helpers/subgraphs.ts";

const PLACE = `mutation { placeOrder(input: { items: [{ sku: "SKU-MUG", quantity: 2 }] }) { id totalCents } }`;
const PAY = `mutation ($orderId: ID!, $key: String!) { payOrder(orderId: $orderId, idempotencyKey: $key) { id status charge { id } } }`;
const REFUND = `mutation ($id: ID!) { refundPayment(paymentId: $id) { id status } }`;

describe("payments charges through the payment provider", () => {
  let auth: AuthSubgraph;
  let orders: SubgraphHandle;
  let payments: SubgraphHandle;
  let providers: PaymentProvider[];
  let tokens: Record<"alice" | "admin", string>;
  const charges = () => providers[0]!.db.prepare("SELECT id, amount, status, payment_id AS paymentId FROM charges WHERE idempotency_key IS NOT NULL").all() as { id: string; amount: number; status: string; paymentId: string }[];

  before(async () => {
    auth = await startTestAuth();
    orders = await createOrdersSubgraph(testServiceOptions(auth));
    // Two instances on one file, as `npm start` runs them.
    const dir = (await import("../../helpers/subgraphs.ts")).tempDir("provider-");
    after(dir.cleanup);
    providers = [];
    for (let i = 0; i < 2; i++) providers.push(await createPaymentProvider({ dbPath: `${dir.path}/provider.db`, port: 0, logLevel: TEST_LOG_LEVEL }));
    payments = await createPaymentsSubgraph({ ...testServiceOptions(auth), ordersUrl: orders.url, paymentProviderUrl: providers.map((p) => p.url).join(",") });
    tokens = await tokensFor(auth.url, ["alice", "admin"]);
  });
  after(async () => {
    await payments.close();
    await Promise.all(providers.map((p) => p.close()));
    await orders.close();
    await auth.close();
  });

  it("stores the provider's charge id, charged for the order's total under a key derived from the payment", async () => {
    const order = (await gql(orders.url, PLACE, { token: tokens.alice })).data!.placeOrder as { id: string; totalCents: number };
    const paid = await gql(payments.url, PAY, { token: tokens.alice, variables: { orderId: order.id, key: "charge-me" } });
    assert.equal(paid.errors, undefined);
    const charge = charges().find((c) => c.paymentId === paid.data!.payOrder.id)!;
    assert.deepEqual(paid.data!.payOrder.charge, { id: charge.id });
    assert.equal(charge.amount, order.totalCents);
  });

  it("charges once when payOrder is retried, even while one provider instance fails", async () => {
    const order = (await gql(orders.url, PLACE, { token: tokens.alice })).data!.placeOrder as { id: string };
    const before = charges().length;
    providers[0]!.failWith = 503;
    try {
      const results = await Promise.all([1, 2, 3].map(() => gql(payments.url, PAY, { token: tokens.alice, variables: { orderId: order.id, key: "retried" } })));
      assert.deepEqual(results.map((r) => r.errors), [undefined, undefined, undefined]);
      assert.equal(new Set(results.map((r) => r.data!.payOrder.charge.id)).size, 1);
    } finally {
      providers[0]!.failWith = undefined;
    }
    assert.equal(charges().length, before + 1);
  });

  it("refunds at the provider once, however often refundPayment is repeated", async () => {
    const order = (await gql(orders.url, PLACE, { token: tokens.alice })).data!.placeOrder as { id: string };
    const paid = (await gql(payments.url, PAY, { token: tokens.alice, variables: { orderId: order.id, key: "refund-me" } })).data!.payOrder as { id: string; charge: { id: string } };
    const first = await gql(payments.url, REFUND, { token: tokens.admin, variables: { id: paid.id } });
    assert.equal(first.data!.refundPayment.status, "REFUNDED");
    await gql(payments.url, REFUND, { token: tokens.admin, variables: { id: paid.id } });
    assert.equal(providers[0]!.db.prepare("SELECT count(*) FROM refunds WHERE charge_id = ?").pluck().get(paid.charge.id), 1);
    assert.equal(charges().find((c) => c.id === paid.charge.id)!.status, "refunded");
  });
});
