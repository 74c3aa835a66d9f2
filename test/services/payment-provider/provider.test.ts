import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createPaymentProvider, type PaymentProvider } from "../../../services/payment-provider/index.ts";
import { seedCharges } from "../../../services/payment-provider/seed.ts";
import { seedPayments } from "../../../subgraphs/payments/seed.ts";
import { TEST_LOG_LEVEL } from "../../helpers/subgraphs.ts";

const json = async (response: Response) => ({ status: response.status, headers: response.headers, body: (await response.json()) as Record<string, any> });

describe("payment provider REST API", () => {
  let provider: PaymentProvider;
  const get = async (path: string) => json(await fetch(`${provider.url}${path}`));
  const post = async (path: string, body: unknown, key?: string) =>
    json(await fetch(`${provider.url}${path}`, { method: "POST", headers: { "content-type": "application/json", ...(key ? { "idempotency-key": key } : {}) }, body: JSON.stringify(body) }));

  before(async () => {
    provider = await createPaymentProvider({ dbPath: ":memory:", port: 0, logLevel: TEST_LOG_LEVEL });
  });
  after(() => provider.close());

  it("seeds one charge per seeded payment, with the payment's amount and a matching status", async () => {
    const payments = seedPayments();
    assert.equal(seedCharges().length, payments.length);
    const p = payments.find((x) => x.status === "SUCCEEDED")!;
    const refunded = payments.find((x) => x.status === "REFUNDED")!;
    const one = await get(`/v1/charges/ch_${p.id}`);
    assert.equal(one.status, 200);
    assert.deepEqual({ amount: one.body.amount, status: one.body.status, payment: one.body.metadata.payment_id }, { amount: p.amountCents, status: "succeeded", payment: p.id });
    assert.equal((await get(`/v1/charges/ch_${refunded.id}`)).body.status, "refunded");
    assert.equal((await get(`/v1/refunds?charge=ch_${refunded.id}`)).body.data.length, 1);
  });

  it("answers a batch of ids in one list, leaving out unknown ids, in its own order", async () => {
    const [a, , c] = seedCharges();
    const batch = await get(`/v1/charges?ids=${c!.id},ch_nope,${a!.id}`);
    assert.equal(batch.status, 200);
    assert.deepEqual(batch.body.data.map((x: { id: string }) => x.id), [a!.id, c!.id]);
  });

  it("answers 404 with an error code for an unknown charge", async () => {
    const missing = await get("/v1/charges/ch_nope");
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, "resource_missing");
  });

  it("refuses a write without an Idempotency-Key", async () => {
    const result = await post("/v1/charges", { amount: 100 });
    assert.equal(result.status, 400);
    assert.equal(result.body.error.code, "idempotency_key_required");
  });

  it("creates a charge once per Idempotency-Key and replays it for the same request", async () => {
    const first = await post("/v1/charges", { amount: 1234, metadata: { payment_id: "pay_x", order_id: "o9" } }, "charge-once");
    const again = await post("/v1/charges", { amount: 1234, metadata: { payment_id: "pay_x", order_id: "o9" } }, "charge-once");
    assert.equal(first.status, 201);
    assert.equal(again.status, 200);
    assert.equal(again.headers.get("idempotent-replayed"), "true");
    assert.equal(again.body.id, first.body.id);
    assert.equal(provider.db.prepare("SELECT count(*) FROM charges WHERE idempotency_key = 'charge-once'").pluck().get(), 1);
  });

  it("refuses a key reused with different parameters (409)", async () => {
    await post("/v1/charges", { amount: 500 }, "reused");
    const other = await post("/v1/charges", { amount: 501 }, "reused");
    assert.equal(other.status, 409);
    assert.equal(other.body.error.code, "idempotency_key_reused");
  });

  it("refunds a charge once per key, concurrent retries included, and refuses a second refund", async () => {
    const charge = (await post("/v1/charges", { amount: 700 }, "to-refund")).body.id as string;
    const attempts = await Promise.all([1, 2, 3].map(() => post("/v1/refunds", { charge }, "refund-key")));
    assert.deepEqual(new Set(attempts.map((a) => a.body.id)).size, 1);
    assert.equal((await get(`/v1/refunds?charge=${charge}`)).body.data.length, 1);
    assert.equal((await get(`/v1/charges/${charge}`)).body.status, "refunded");
    const second = await post("/v1/refunds", { charge }, "another-key");
    assert.equal(second.status, 400);
    assert.equal(second.body.error.code, "charge_already_refunded");
  });

  it("answers 404 for a refund of an unknown charge", async () => {
    const result = await post("/v1/refunds", { charge: "ch_nope" }, "k-unknown");
    assert.equal(result.status, 404);
  });
});

describe("payment provider API key", () => {
  it("answers 401 to a /v1 request without the merchant key, and serves it with the key", async () => {
    const provider = await createPaymentProvider({ dbPath: ":memory:", port: 0, logLevel: TEST_LOG_LEVEL, apiKey: "sk_test_k" });
    try {
      const without = await fetch(`${provider.url}/v1/charges/ch_p1`);
      assert.equal(without.status, 401);
      assert.equal(((await without.json()) as { error: { code: string } }).error.code, "invalid_api_key");
      assert.equal((await fetch(`${provider.url}/v1/charges/ch_p1`, { headers: { authorization: "Bearer sk_test_wrong" } })).status, 401);
      assert.equal((await fetch(`${provider.url}/v1/charges/ch_p1`, { headers: { authorization: "Bearer sk_test_k" } })).status, 200);
    } finally {
      await provider.close();
    }
  });
});
