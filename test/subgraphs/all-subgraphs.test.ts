import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startAllSubgraphs, type AllSubgraphs } from "../../subgraphs/index.ts";
import { gql, representations, TEST_LOG_LEVEL, tokensFor } from "../helpers/subgraphs.ts";

describe("the four subgraphs together", () => {
  let all: AllSubgraphs;

  before(async () => {
    all = await startAllSubgraphs({
      dbDir: ":memory:",
      ports: { auth: 0, orders: 0, delivery: 0, payments: 0 },
      logLevel: TEST_LOG_LEVEL,
      jwksCooldownMs: 0,
    });
  });
  after(() => all.close());

  it("serves /healthz on every service", async () => {
    for (const [service, url] of Object.entries(all.urls)) {
      const response = await fetch(new URL("/healthz", url));
      assert.equal(response.status, 200);
      assert.equal(((await response.json()) as { service: string }).service, service);
    }
  });

  it("carries an order from placement through payment to delivery, each service checking the same token", async () => {
    const { alice, carol } = await tokensFor(all.auth.url, ["alice", "carol"]);
    const placed = await gql(all.urls.orders, `mutation { placeOrder(input: { items: [{ sku: "SKU-TEA", name: "Green tea", quantity: 2, unitPriceCents: 899 }] }) { id totalCents } }`, {
      token: alice,
    });
    const { id: orderId, totalCents } = placed.data!.placeOrder;

    const paid = await gql(all.urls.payments, `mutation ($id: ID!) { payOrder(orderId: $id, idempotencyKey: "flow-1") { status amountCents } }`, {
      token: alice,
      variables: { id: orderId },
    });
    assert.deepEqual(paid.data, { payOrder: { status: "SUCCEEDED", amountCents: totalCents } });
    // Payments tells orders through its outbox, just after the payment's answer: wait for it.
    const statusOf = async () =>
      (await gql(all.urls.orders, `query ($id: ID!) { order(id: $id) { status } }`, { token: alice, variables: { id: orderId } })).data?.order?.status;
    for (const deadline = Date.now() + 10_000; (await statusOf()) !== "PAID" && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 50));
    assert.equal(await statusOf(), "PAID", "payments told orders");

    const moved = await gql(all.urls.delivery, `mutation ($id: ID!) { updateDeliveryStatus(orderId: $id, status: ASSIGNED) { id status } }`, {
      token: carol,
      variables: { id: orderId },
    });
    assert.equal(moved.errors, undefined);

    const seen = await gql(all.urls.delivery, `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Order { delivery { status courier { id } } } } }`, {
      token: alice,
      variables: { r: representations("Order", [orderId]) },
    });
    assert.deepEqual(seen.data!._entities[0].delivery, { status: "ASSIGNED", courier: { id: "u3" } });
  });
});
