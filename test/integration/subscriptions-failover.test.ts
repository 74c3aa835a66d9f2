/**
 * Subscriptions over two delivery instances on one database, as `npm start` runs them: every
 * change reaches the subscriber whichever instance the mutation went to, and when the instance
 * holding the upstream subscription dies, the gateway re-subscribes on the other one.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { createDeliverySubgraph, type DeliverySubgraph } from "../../subgraphs/delivery/index.ts";
import { startTestGateway, type TestGateway } from "../helpers/gateway.ts";
import { gql, tempDir, testServiceOptions, tokensFor } from "../helpers/subgraphs.ts";
import { until, WsTestClient } from "../helpers/subscription-clients.ts";
import { demoAuth, startTestSubgraphs, type TestSubgraphs } from "../helpers/system.ts";
import { sample, scrape } from "../helpers/observed-system.ts";

const SUBSCRIPTION = `subscription Follow($orderId: ID!) { orderDeliveryUpdated(orderId: $orderId) { status } }`;
const UPDATE = `mutation Move($orderId: ID!, $status: DeliveryStatus!) { updateDeliveryStatus(orderId: $orderId, status: $status) { status } }`;

let subgraphs: TestSubgraphs;
let deliveries: DeliverySubgraph[];
let gateway: TestGateway;
let tokens: Record<"alice" | "carol", string>;
let orderId: string;
const dir = tempDir("subscriptions-failover-");

before(async () => {
  subgraphs = await startTestSubgraphs();
  const options = { ...testServiceOptions(subgraphs.auth), dbPath: join(dir.path, "delivery.db"), ordersUrl: subgraphs.orders.url };
  deliveries = [await createDeliverySubgraph(options), await createDeliverySubgraph(options)];
  gateway = await startTestGateway({
    auth: demoAuth(subgraphs),
    subgraphs: { ...subgraphs.routing, delivery: { instances: deliveries.map((d) => ({ url: d.url })) } },
    subscriptions: { reconnect: { initialDelayMs: 100, maxDelayMs: 300 } },
  });
  tokens = await tokensFor(subgraphs.auth.url, ["alice", "carol"]);
  const mine = await gql(gateway.url, `{ orders(first: 50) { edges { node { id payment { status } delivery { status } } } } }`, { token: tokens.alice });
  orderId = (mine.data as any).orders.edges.map((e: any) => e.node).find((n: any) => n.payment && n.delivery && n.delivery.status !== "DELIVERED").id;
});
after(async () => {
  await gateway.stop();
  await Promise.all(deliveries.map((d) => d.close()));
  await subgraphs.close();
  dir.cleanup();
});

async function move(status: string): Promise<void> {
  const r = await gql(gateway.url, UPDATE, { token: tokens.carol, variables: { orderId, status } });
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
}

describe("subscriptions over several subgraph instances", () => {
  it("get every change whichever instance took it, and move to the other instance when theirs dies, counted as a reconnect", async () => {
    const client = await WsTestClient.open(gateway.url, { authorization: `Bearer ${tokens.alice}` });
    try {
      client.subscribe("f", SUBSCRIPTION, { orderId });
      await until(() => deliveries.some((d) => d.listenerCount() === 1), 10_000, "subscribed upstream");
      const statuses = () => client.messages.filter((m) => m.id === "f" && m.type === "next").map((m) => m.payload.data?.orderDeliveryUpdated?.status);

      // Round-robin sends consecutive mutations to both instances; the subscriber hears all of them.
      for (const status of ["ASSIGNED", "PICKED_UP", "IN_TRANSIT", "PICKED_UP"]) await move(status);
      await until(() => statuses().length === 4, 5_000, "four changes delivered");
      assert.deepEqual(statuses(), ["ASSIGNED", "PICKED_UP", "IN_TRANSIT", "PICKED_UP"]);

      const metrics = await scrape(gateway.metricsUrl!);
      assert.equal(sample(metrics, "gateway_subscriptions_active"), 1);
      assert.equal(sample(metrics, "gateway_subscription_upstream_connections"), 1);
      assert.equal(sample(metrics, "gateway_subscription_client_connections", { transport: "websocket" }), 1);
      assert.equal(sample(metrics, "gateway_subscription_upstream_reconnects_total", { subgraph: "delivery", event: "reconnected" }), 0);

      const holder = deliveries.find((d) => d.listenerCount() === 1)!;
      const other = deliveries.find((d) => d !== holder)!;
      await holder.close();
      await until(() => other.listenerCount() === 1, 10_000, "re-subscribed on the surviving instance");
      await move("IN_TRANSIT");
      await until(() => statuses().length === 5, 10_000, "the change after the failover delivered");
      assert.equal(statuses()[4], "IN_TRANSIT");
      assert.equal(client.messages.filter((m) => m.id === "f" && (m.type === "complete" || m.type === "error")).length, 0, "the client never saw the failover");
      const afterFailover = await scrape(gateway.metricsUrl!);
      assert.equal(sample(afterFailover, "gateway_subscription_upstream_reconnects_total", { subgraph: "delivery", event: "reconnected" }), 1, "the failover counts as one reconnect");
      assert.equal(sample(afterFailover, "gateway_subscription_upstream_connections"), 1);
    } finally {
      await client.close();
    }
  });
});
