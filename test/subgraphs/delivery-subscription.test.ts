import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import { maySubscribe } from "../../subgraphs/delivery/subscription.ts";
import type { DeliveryRecord } from "../../subgraphs/delivery/repository.ts";
import { deliveryUpdatesFor } from "../../subgraphs/delivery/update-stream.ts";
import { DeliveryUpdates } from "../../subgraphs/delivery/updates.ts";
import type { UserPrincipal } from "../../subgraphs/shared/identity.ts";
import { startTestSubgraphs, type TestSubgraphs } from "../helpers/system.ts";
import { gql, tokensFor } from "../helpers/subgraphs.ts";

const record = (orderId: string, status: DeliveryRecord["status"]): DeliveryRecord => ({ id: `d-${orderId}`, orderId, customerId: "u1", courierId: null, status, eta: null, updatedAt: 0 });
const user = (userId: string, roles: string[]): UserPrincipal => ({ kind: "user", userId, roles, scopes: new Set(["deliveries:read"]) });

describe("who may follow an order's delivery", () => {
  const table: Array<[string, UserPrincipal, boolean]> = [
    ["the order's owner", user("u1", ["customer"]), true],
    ["another customer", user("u2", ["customer"]), false],
    ["any courier", user("u3", ["courier"]), true],
    ["an admin", user("u4", ["admin"]), true],
  ];
  for (const [who, caller, allowed] of table) it(`${allowed ? "allows" : "refuses"} ${who}`, () => assert.equal(maySubscribe(caller, "u1"), allowed));
});

describe("one order's delivery changes as a stream", () => {
  it("yields only the order's changes, in order, and removes its listener on return", async () => {
    const updates = new DeliveryUpdates(() => undefined);
    const stream = deliveryUpdatesFor(updates, "o1");
    updates.publish(record("o1", "ASSIGNED"));
    updates.publish(record("o2", "ASSIGNED"));
    updates.publish(record("o1", "PICKED_UP"));
    assert.equal((await stream.next()).value?.status, "ASSIGNED");
    assert.equal((await stream.next()).value?.status, "PICKED_UP");
    assert.equal(updates.listenerCount, 1);
    await stream.return!();
    assert.equal(updates.listenerCount, 0);
    assert.equal((await stream.next()).done, true);
  });

  it("keeps the newest changes when the reader falls behind", async () => {
    const updates = new DeliveryUpdates(() => undefined);
    const stream = deliveryUpdatesFor(updates, "o1", 2);
    for (const status of ["ASSIGNED", "PICKED_UP", "IN_TRANSIT"] as const) updates.publish(record("o1", status));
    assert.equal((await stream.next()).value?.status, "PICKED_UP");
    assert.equal((await stream.next()).value?.status, "IN_TRANSIT");
    await stream.return!();
  });
});

describe("Subscription.orderDeliveryUpdated over the delivery subgraph's WebSocket", () => {
  let subgraphs: TestSubgraphs;
  let tokens: Record<"alice" | "bob" | "carol", string>;
  let orderId: string;
  const clients: Client[] = [];
  const QUERY = `subscription($id: ID!) { orderDeliveryUpdated(orderId: $id) { status order { id } } }`;

  before(async () => {
    subgraphs = await startTestSubgraphs();
    tokens = await tokensFor(subgraphs.auth.url, ["alice", "bob", "carol"]);
    const mine = await gql(subgraphs.orders.url, `{ orders(first: 1) { edges { node { id } } } }`, { token: tokens.alice });
    orderId = (mine.data as any).orders.edges[0].node.id;
  });
  after(async () => {
    for (const client of clients) await client.dispose();
    await subgraphs.close();
  });

  function first(token: string | undefined): Promise<{ data?: any; errors?: any[] }> {
    const client = createClient({ url: subgraphs.delivery.url.replace(/^http/, "ws"), webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: token ? { authorization: `Bearer ${token}` } : {} });
    clients.push(client);
    return new Promise((resolve, reject) => {
      const stop = client.subscribe({ query: QUERY, variables: { id: orderId } }, {
        next: (value) => {
          resolve(value as { data?: any; errors?: any[] });
          stop();
        },
        error: reject,
        complete: () => undefined,
      });
    });
  }

  it("refuses another customer and an anonymous caller when the subscription starts", async () => {
    const [stranger, nobody] = await Promise.all([first(tokens.bob), first(undefined)]);
    assert.equal(stranger.errors?.[0].extensions.code, "FORBIDDEN");
    assert.equal(nobody.errors?.[0].extensions.code, "UNAUTHENTICATED");
  });

  it("pushes the owner each committed status change", async () => {
    const event = first(tokens.alice);
    const deadline = Date.now() + 5_000;
    while (subgraphs.delivery.listenerCount() < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const moved = await gql(subgraphs.delivery.url, `mutation($id: ID!) { updateDeliveryStatus(orderId: $id, status: IN_TRANSIT) { status } }`, { token: tokens.carol, variables: { id: orderId } });
    assert.equal(moved.errors, undefined);
    assert.deepEqual((await event).data, { orderDeliveryUpdated: { status: "IN_TRANSIT", order: { id: orderId } } });
  });
});
