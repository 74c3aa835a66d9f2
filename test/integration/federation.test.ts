/**
 * The foundation's promise: one request to the gateway joins data from all four services.
 * Real gateway, real subgraphs, real HTTP on 127.0.0.1.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { demoAuth, startTestSystem, type TestSystem } from "../helpers/system.ts";
import { EMAILS, gql, DEMO_PASSWORD } from "../helpers/subgraphs.ts";

let system: TestSystem;
let alice: string;
let admin: string;
let carol: string;

const LOGIN = `mutation($email: String!, $password: String!) { login(email: $email, password: $password) { accessToken user { id name } } }`;

async function loginThroughGateway(email: string): Promise<string> {
  const r = await gql<{ login: { accessToken: string } }>(system.gateway.url, LOGIN, { variables: { email, password: DEMO_PASSWORD } });
  assert.equal(r.status, 200, JSON.stringify(r.errors));
  return r.data!.login.accessToken;
}

before(async () => {
  system = await startTestSystem((s) => ({ auth: demoAuth(s) }));
  [alice, admin, carol] = await Promise.all([EMAILS.alice, EMAILS.admin, EMAILS.carol].map(loginThroughGateway)) as [string, string, string];
});
after(() => system.close());

const MY_ORDERS = `query MyOrders($first: Int) {
  me { id name email }
  orders(first: $first) {
    totalCount
    edges { node {
      id totalCents status createdAt
      items { sku name quantity unitPriceCents }
      user { id name }
      delivery { status eta events { status at } }
      payment { status amountCents method }
    } }
  }
}`;

describe("one federated request across four services", () => {
  it("returns my orders joined with items, user, delivery and payment", async () => {
    const r = await gql(system.gateway.url, MY_ORDERS, { token: alice, variables: { first: 5 } });
    assert.equal(r.status, 200);
    assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    const data = r.data as any;
    assert.equal(data.me.email, EMAILS.alice);
    assert.equal(data.orders.edges.length, 5);
    for (const { node } of data.orders.edges) {
      assert.equal(node.user.id, data.me.id, "every order is alice's");
      assert.equal(node.user.name, data.me.name, "the user's name comes from the auth service");
      const sum = node.items.reduce((s: number, i: any) => s + i.quantity * i.unitPriceCents, 0);
      assert.equal(node.totalCents, sum, "the total matches the items");
      assert.ok(node.delivery, "delivery joined from the delivery service");
      assert.ok(node.delivery.events.length >= 1);
      if (node.payment) assert.equal(node.payment.amountCents, node.totalCents, "payment joined from the payments service");
    }
    assert.ok(data.orders.edges.some((e: any) => e.node.payment), "at least one seeded order is paid");
  });

  it("makes a mutation in one service visible through the gateway", async () => {
    const placed = await gql(system.gateway.url, `mutation { placeOrder(input: { items: [{ sku: "SKU-KETTLE", quantity: 2 }] }) { id totalCents status } }`, { token: alice });
    assert.equal(placed.errors, undefined, JSON.stringify(placed.errors));
    const order = (placed.data as any).placeOrder;
    assert.equal(order.totalCents, 2 * 4999, "priced from the catalog");

    const paid = await gql(system.gateway.url, `mutation($id: ID!) { payOrder(orderId: $id, idempotencyKey: "test-key-1") { id status amountCents } }`, { token: alice, variables: { id: order.id } });
    assert.equal(paid.errors, undefined, JSON.stringify(paid.errors));
    assert.equal((paid.data as any).payOrder.amountCents, 2 * 4999);

    const read = await gql(system.gateway.url, `query($id: ID!) { order(id: $id) { id totalCents items { name } payment { amountCents } } }`, { token: alice, variables: { id: order.id } });
    assert.equal(read.errors, undefined, JSON.stringify(read.errors));
    assert.deepEqual(read.data, { order: { id: order.id, totalCents: 2 * 4999, items: [{ name: "Electric kettle" }], payment: { amountCents: 2 * 4999 } } });
  });

  it("lets a courier move a delivery and the customer see it", async () => {
    // One of alice's deliveries under way (a paid order): the newest order may be unpaid, and its
    // delivery could not start.
    const mine = await gql(system.gateway.url, `{ orders(first: 50) { edges { node { id delivery { status } } } } }`, { token: alice });
    const orderId = (mine.data as any).orders.edges.map((e: any) => e.node).find((n: any) => ["ASSIGNED", "PICKED_UP", "IN_TRANSIT"].includes(n.delivery?.status)).id as string;
    const moved = await gql(system.gateway.url, `mutation($id: ID!) { updateDeliveryStatus(orderId: $id, status: IN_TRANSIT, note: "on the way") { status } }`, { token: carol, variables: { id: orderId } });
    assert.equal(moved.errors, undefined, JSON.stringify(moved.errors));
    const seen = await gql(system.gateway.url, `query($id: ID!) { order(id: $id) { delivery { status events { status note } } } }`, { token: alice, variables: { id: orderId } });
    const delivery = (seen.data as any).order.delivery;
    assert.equal(delivery.status, "IN_TRANSIT");
    assert.equal(delivery.events.at(-1).note, "on the way");
  });

  it("resolves 50 orders' deliveries with one SQL query in the delivery service", async () => {
    // Orders tells delivery of status changes in the background: let that settle before counting.
    const undelivered = () => system.subgraphs.orders.db.prepare("SELECT count(*) FROM outbox WHERE delivered_at IS NULL").pluck().get() as number;
    for (const deadline = Date.now() + 5_000; undelivered() > 0 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));
    assert.equal(undelivered(), 0, "orders' outbox drained");
    const before = system.subgraphs.delivery.sqlCount();
    const r = await gql(system.gateway.url, `{ orders(first: 50) { edges { node { id delivery { id status } } } } }`, { token: admin });
    assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    assert.equal((r.data as any).orders.edges.length, 50);
    assert.equal(system.subgraphs.delivery.sqlCount() - before, 1);
  });
});
