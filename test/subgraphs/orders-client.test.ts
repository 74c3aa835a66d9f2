/**
 * The orders client other subgraphs use (payments, delivery): with several orders instances it
 * spreads its lookups and goes on to the next instance when one is down, so one dead instance
 * never fails a payment or a delivery update.
 */
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import pino from "pino";
import { createOrdersClient } from "../../subgraphs/shared/orders-client.ts";
import { startTestSubgraphs, type TestSubgraphs } from "../helpers/system.ts";
import { gql, tokensFor } from "../helpers/subgraphs.ts";

let subgraphs: TestSubgraphs;
let alice: string;
let orderId: string;
let deadUrl: string;
const logger = pino({ level: "silent" });

before(async () => {
  subgraphs = await startTestSubgraphs();
  ({ alice } = await tokensFor(subgraphs.auth.url, ["alice"]));
  const mine = await gql(subgraphs.orders.url, `{ orders(first: 1) { edges { node { id } } } }`, { token: alice });
  orderId = (mine.data as any).orders.edges[0].node.id;
  // A port that was just free: nothing listens there.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  deadUrl = `http://127.0.0.1:${(probe.address() as AddressInfo).port}/graphql`;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
});
after(() => subgraphs.close());

const request = () => ({ authorization: `Bearer ${alice}`, requestId: "orders-client-test", logger });

describe("the orders client", () => {
  it("answers every lookup while one of its instances is down", async () => {
    const client = createOrdersClient({ url: `${deadUrl},${subgraphs.orders.url}`, timeoutMs: 2_000 });
    for (let i = 0; i < 4; i++) {
      const order = await client(orderId, request());
      assert.equal(order?.id, orderId, `lookup ${i}`);
    }
  });

  it("fails with UPSTREAM_ERROR only when every instance is down", async () => {
    const client = createOrdersClient({ url: `${deadUrl},${deadUrl}`, timeoutMs: 2_000 });
    await assert.rejects(client(orderId, request()), (e: any) => e.extensions?.code === "UPSTREAM_ERROR");
  });
});
