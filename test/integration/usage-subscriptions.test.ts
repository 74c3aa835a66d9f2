/**
 * Subscriptions are recorded like queries and mutations: one started over SSE and one over
 * graphql-ws both land in the usage store with their type, client and the coordinates they touch.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteUsageStore } from "../../gateway/src/usage/sqlite-store.ts";
import { sseSubscribe, WsTestClient } from "../helpers/subscription-clients.ts";
import { until } from "../helpers/usage.ts";
import { startTestSystem, type TestSystem } from "../helpers/system.ts";

const dir = mkdtempSync(join(tmpdir(), "gw-usage-subs-"));
const storePath = join(dir, "usage.db");
let system: TestSystem;

before(async () => {
  system = await startTestSystem({ usage: { sqlite: { path: storePath }, flushIntervalMs: 50 }, subgraphs: { all: { healthCheck: { enabled: false } } } });
});
after(async () => {
  await system.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("usage of subscriptions", () => {
  it("records a subscription started over SSE and one over graphql-ws, with the coordinates they touch", async () => {
    const sse = await sseSubscribe(system.gateway.url, `subscription OverSse { orderDeliveryUpdated(orderId: "o1") { id status } }`, {});
    const ws = await WsTestClient.open(system.gateway.url);
    ws.subscribe("1", `subscription OverWs { orderDeliveryUpdated(orderId: "o1") { id eta } }`);
    const store = new SqliteUsageStore(storePath);
    try {
      let recorded: Awaited<ReturnType<SqliteUsageStore["operations"]>> = [];
      await until(async () => {
        recorded = (await store.operations(0)).filter((op) => op.type === "subscription");
        return recorded.length >= 2;
      }, 10_000, "two subscriptions recorded");
      const byName = new Map(recorded.map((op) => [op.name, op]));
      assert.ok(byName.get("OverSse")?.coordinates.includes("Subscription.orderDeliveryUpdated"), JSON.stringify(recorded).slice(0, 500));
      assert.ok(byName.get("OverWs")?.coordinates.includes("Delivery.eta"));
    } finally {
      sse.close();
      await ws.close();
      await store.close();
    }
  });
});
