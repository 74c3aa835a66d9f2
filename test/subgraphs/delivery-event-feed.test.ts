/**
 * Two delivery instances on one SQLite file, as `npm start` runs them: a status change made
 * through either reaches the subscriptions held by the other, each change once, in order.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createDeliverySubgraph, type DeliverySubgraph } from "../../subgraphs/delivery/index.ts";
import type { DeliveryRecord } from "../../subgraphs/delivery/repository.ts";
import { startTestSubgraphs, type TestSubgraphs } from "../helpers/system.ts";
import { gql, tempDir, testServiceOptions, tokensFor } from "../helpers/subgraphs.ts";

let subgraphs: TestSubgraphs;
let first: DeliverySubgraph;
let second: DeliverySubgraph;
let admin: string;
const dir = tempDir("delivery-feed-");

before(async () => {
  subgraphs = await startTestSubgraphs();
  const options = { ...testServiceOptions(subgraphs.auth), dbPath: join(dir.path, "delivery.db"), ordersUrl: subgraphs.orders.url };
  first = await createDeliverySubgraph(options);
  second = await createDeliverySubgraph(options);
  ({ admin } = await tokensFor(subgraphs.auth.url, ["admin"]));
});
after(async () => {
  await Promise.all([first.close(), second.close()]);
  await subgraphs.close();
  dir.cleanup();
});

const move = async (via: DeliverySubgraph, orderId: string, status: string) => {
  const r = await gql(via.url, `mutation($id: ID!, $s: DeliveryStatus!) { updateDeliveryStatus(orderId: $id, status: $s) { status } }`, { token: admin, variables: { id: orderId, s: status } });
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
};

describe("delivery instances sharing one database", () => {
  it("publish each change made through either instance to the other's listeners, once and in order", async () => {
    const { order_id: orderId } = first.db.prepare("SELECT order_id FROM deliveries WHERE status != 'DELIVERED' ORDER BY seq LIMIT 1").get() as { order_id: string };
    const seen: DeliveryRecord[] = [];
    const stop = first.onDeliveryUpdated((d) => {
      if (d.orderId === orderId) seen.push(d);
    });
    try {
      await move(second, orderId, "ASSIGNED");
      await move(second, orderId, "PICKED_UP");
      await move(first, orderId, "IN_TRANSIT");
      await move(second, orderId, "FAILED");
      const deadline = Date.now() + 5_000;
      while (seen.length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 300)); // a duplicate would arrive by the next polls
      assert.deepEqual(seen.map((d) => d.status), ["ASSIGNED", "PICKED_UP", "IN_TRANSIT", "FAILED"]);
      assert.ok(seen.every((d) => d.orderId === orderId && d.id.startsWith("d")));
    } finally {
      stop();
    }
  });

  it("reads nothing while no one listens, and replays nothing to a late listener", async () => {
    const { order_id: orderId } = first.db.prepare("SELECT order_id FROM deliveries WHERE status != 'DELIVERED' ORDER BY seq DESC LIMIT 1").get() as { order_id: string };
    await move(second, orderId, "ASSIGNED");
    const seen: string[] = [];
    const stop = first.onDeliveryUpdated((d) => d.orderId === orderId && seen.push(d.status));
    try {
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(seen, [], "the change made before it listened is not replayed");
      await move(second, orderId, "PICKED_UP");
      const deadline = Date.now() + 5_000;
      while (seen.length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(seen, ["PICKED_UP"]);
    } finally {
      stop();
    }
  });
});
