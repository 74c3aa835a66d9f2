/**
 * Existence leaks through the gateway: another customer's order answers exactly as an order that
 * does not exist, in every service that can be asked about it (orders, payments, the delivery
 * subscription), so probing ids tells a customer nothing.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { demoAuth, startTestSystem, type TestSystem } from "../helpers/system.ts";
import { gql, tokensFor, type GraphQLResult } from "../helpers/subgraphs.ts";
import { WsTestClient } from "../helpers/subscription-clients.ts";

const MISSING = "o999999";

/** What a caller can compare between two answers: data and each error's message and code. */
const visible = (result: GraphQLResult) => ({
  data: result.data,
  errors: (result.errors ?? []).map((e) => ({ message: e.message, code: e.extensions?.code })),
});

describe("another customer's order is NOT_FOUND everywhere, like a missing one", () => {
  let system: TestSystem;
  let tokens: Record<"alice" | "bob", string>;
  let aliceOrder: string;

  before(async () => {
    system = await startTestSystem((s) => ({ auth: demoAuth(s) }));
    tokens = await tokensFor(system.subgraphs.auth.url, ["alice", "bob"]);
    aliceOrder = (system.subgraphs.orders.db.prepare("SELECT id FROM orders WHERE user_id = 'u1' AND status = 'PENDING' ORDER BY seq LIMIT 1").get() as { id: string }).id;
  });
  after(() => system.close());

  it("answers Query.order for it as for a missing order", async () => {
    const ask = (id: string) => gql(system.gateway.url, `query($id: ID!) { order(id: $id) { id totalCents } }`, { token: tokens.bob, variables: { id } });
    const [theirs, missing] = [await ask(aliceOrder), await ask(MISSING)];
    assert.deepEqual(visible(theirs), { data: { order: null }, errors: [{ message: "Order not found", code: "NOT_FOUND" }] });
    assert.deepEqual(visible(theirs), visible(missing));
  });

  it("answers payOrder for it as for a missing order, and charges nothing", async () => {
    const pay = (id: string, key: string) =>
      gql(system.gateway.url, `mutation($id: ID!, $key: String!) { payOrder(orderId: $id, idempotencyKey: $key) { id } }`, { token: tokens.bob, variables: { id, key } });
    const [theirs, missing] = [await pay(aliceOrder, "probe-1"), await pay(MISSING, "probe-2")];
    assert.equal(theirs.errors?.[0]?.extensions?.code, "NOT_FOUND");
    assert.deepEqual(visible(theirs), visible(missing));
    assert.deepEqual(system.subgraphs.payments.db.prepare("SELECT count(*) AS n FROM payments WHERE order_id = ?").get(aliceOrder), { n: 0 });
  });

  it("answers a delivery subscription over WebSocket for it as for a missing order", async () => {
    const client = await WsTestClient.open(system.gateway.url, { authorization: `Bearer ${tokens.bob}` });
    try {
      const refusal = async (id: string, orderId: string) => {
        client.subscribe(id, `subscription($id: ID!) { orderDeliveryUpdated(orderId: $id) { status } }`, { id: orderId });
        const message = await client.waitFor((m) => m.id === id && (m.type === "next" || m.type === "error"), 10_000, `refusal of ${id}`);
        const errors = (message.type === "next" ? message.payload.errors : message.payload) as { message: string; extensions?: { code?: string } }[];
        return errors.map((e) => ({ message: e.message, code: e.extensions?.code }));
      };
      const theirs = await refusal("theirs", aliceOrder);
      assert.deepEqual(theirs, [{ message: "Order not found", code: "NOT_FOUND" }]);
      assert.deepEqual(theirs, await refusal("missing", MISSING));
    } finally {
      await client.close();
    }
  });
});
