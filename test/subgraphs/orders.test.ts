import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { AuthSubgraph } from "../../subgraphs/auth/index.ts";
import { createOrdersSubgraph } from "../../subgraphs/orders/index.ts";
import type { SubgraphHandle } from "../../subgraphs/shared/service.ts";
import { codes, gql, representations, startTestAuth, testServiceOptions, tokensFor, type GraphQLResult } from "../helpers/subgraphs.ts";

const PAGE = `query Page($first: Int, $after: String) {
  orders(first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id createdAt totalCents user { id } items { quantity unitPriceCents } } }
  }
}`;
const ORDER = `query ($id: ID!) { order(id: $id) { id user { id } } }`;
const PLACE = `mutation Place($input: PlaceOrderInput!) {
  placeOrder(input: $input) { id status totalCents createdAt user { id } items { sku name quantity unitPriceCents } }
}`;
const ENTITIES = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id status } } }`;

type Tokens = Record<"alice" | "bob" | "carol" | "admin", string>;

describe("orders subgraph", () => {
  let auth: AuthSubgraph;
  let orders: SubgraphHandle;
  let tokens: Tokens;
  /** An order of alice's and one of bob's, found through the database the test owns. */
  let aliceOrder: string;
  let bobOrder: string;

  before(async () => {
    auth = await startTestAuth();
    orders = await createOrdersSubgraph(testServiceOptions(auth));
    tokens = await tokensFor(auth.url, ["alice", "bob", "carol", "admin"]);
    const firstOf = (user: string) => (orders.db.prepare("SELECT id FROM orders WHERE user_id = ? ORDER BY seq LIMIT 1").get(user) as { id: string }).id;
    aliceOrder = firstOf("u1");
    bobOrder = firstOf("u2");
  });
  after(async () => {
    await orders.close();
    await auth.close();
  });

  it("pages through the caller's own orders newest first with opaque cursors", async () => {
    const seen: { id: string; createdAt: string }[] = [];
    let after: string | null = null;
    let totalCount = 0;
    for (let page = 0; page < 50; page++) {
      const result: GraphQLResult = await gql(orders.url, PAGE, { token: tokens.alice, variables: { first: 7, after } });
      assert.equal(result.errors, undefined);
      const connection = result.data!.orders;
      totalCount = connection.totalCount;
      for (const edge of connection.edges) {
        assert.equal(edge.node.user.id, "u1");
        assert.equal(edge.node.totalCents, edge.node.items.reduce((s: number, i: any) => s + i.quantity * i.unitPriceCents, 0));
        assert.notEqual(edge.cursor, edge.node.id);
        seen.push(edge.node);
      }
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    assert.ok(totalCount > 20, "alice has a few dozen seeded orders");
    assert.equal(seen.length, totalCount);
    assert.equal(new Set(seen.map((o) => o.id)).size, totalCount);
    const times = seen.map((o) => o.createdAt);
    assert.deepEqual(times, [...times].sort().reverse());
  });

  it("lists every order for an admin", async () => {
    const result = await gql(orders.url, PAGE, { token: tokens.admin, variables: { first: 100 } });
    assert.ok(result.data!.orders.totalCount >= 300);
    assert.equal(result.data!.orders.edges.length, 100);
    assert.ok(new Set(result.data!.orders.edges.map((e: any) => e.node.user.id)).size > 2);
  });

  it("answers first: 0 with no edges but a next page when there are orders", async () => {
    const result = await gql(orders.url, PAGE, { token: tokens.alice, variables: { first: 0 } });
    assert.deepEqual(result.data!.orders.edges, []);
    assert.equal(result.data!.orders.pageInfo.hasNextPage, true);
    assert.equal(result.data!.orders.pageInfo.endCursor, null);
  });

  it("refuses a page size above 100 and a malformed cursor with BAD_USER_INPUT", async () => {
    assert.deepEqual(codes(await gql(orders.url, PAGE, { token: tokens.alice, variables: { first: 101 } })), ["BAD_USER_INPUT"]);
    assert.deepEqual(codes(await gql(orders.url, PAGE, { token: tokens.alice, variables: { first: 5, after: "bm9wZQ" } })), ["BAD_USER_INPUT"]);
  });

  it("lets the owner and an admin read an order; another customer gets exactly the answer of a missing order, NOT_FOUND", async () => {
    const asAlice = await gql(orders.url, ORDER, { token: tokens.alice, variables: { id: aliceOrder } });
    assert.deepEqual(asAlice.data, { order: { id: aliceOrder, user: { id: "u1" } } });
    const asAdmin = await gql(orders.url, ORDER, { token: tokens.admin, variables: { id: aliceOrder } });
    assert.deepEqual(asAdmin.data, { order: { id: aliceOrder, user: { id: "u1" } } });
    const asBob = await gql(orders.url, ORDER, { token: tokens.bob, variables: { id: aliceOrder } });
    const missing = await gql(orders.url, ORDER, { token: tokens.bob, variables: { id: "o999999" } });
    assert.deepEqual(asBob.data, { order: null });
    assert.deepEqual(codes(asBob), ["NOT_FOUND"]);
    assert.deepEqual(
      { data: asBob.data, errors: asBob.errors!.map(({ message, extensions }) => ({ message, extensions })) },
      { data: missing.data, errors: missing.errors!.map(({ message, extensions }) => ({ message, extensions })) },
    );
    assert.deepEqual(codes(await gql(orders.url, ORDER, { variables: { id: aliceOrder } })), ["UNAUTHENTICATED"]);
  });

  it("resolves Order entities for the owner, admins and couriers, and null for another customer", async () => {
    const variables = { r: representations("Order", [aliceOrder, bobOrder]) };
    const ids = async (token: string) => (await gql(orders.url, ENTITIES, { token, variables })).data!._entities.map((e: any) => e?.id ?? null);
    assert.deepEqual(await ids(tokens.alice), [aliceOrder, null]);
    assert.deepEqual(await ids(tokens.bob), [null, bobOrder]);
    assert.deepEqual(await ids(tokens.carol), [aliceOrder, bobOrder]);
    assert.deepEqual(await ids(tokens.admin), [aliceOrder, bobOrder]);
  });

  it("resolves 50 Order entities with their items in two SQL queries", async () => {
    const ids = Array.from({ length: 50 }, (_, i) => `o${i + 1}`);
    const before = orders.sqlCount();
    const result = await gql(orders.url, `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id items { sku } } } }`, {
      token: tokens.admin,
      variables: { r: representations("Order", ids) },
    });
    assert.equal(orders.sqlCount() - before, 2, "one for the orders, one for all their items");
    assert.equal(result.data!._entities.filter(Boolean).length, 50);
  });

  it("lists User.orders for the user themself or an admin, and refuses another customer", async () => {
    const query = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { orders(first: 2) { totalCount } } } }`;
    const variables = { r: representations("User", ["u1"]) };
    assert.ok((await gql(orders.url, query, { token: tokens.alice, variables })).data!._entities[0].orders.totalCount > 0);
    assert.ok((await gql(orders.url, query, { token: tokens.admin, variables })).data!._entities[0].orders.totalCount > 0);
    assert.deepEqual(codes(await gql(orders.url, query, { token: tokens.bob, variables })), ["FORBIDDEN"]);
  });

  it("places a PENDING order priced from the catalog, owned by the caller and listed first", async () => {
    const placed = await gql(orders.url, PLACE, {
      token: tokens.bob,
      variables: { input: { items: [{ sku: "SKU-KETTLE", quantity: 2 }, { sku: "SKU-FILTER", quantity: 1 }] } },
    });
    assert.equal(placed.errors, undefined);
    const order = placed.data!.placeOrder;
    assert.match(order.id, /^o\d+$/);
    assert.equal(order.status, "PENDING");
    assert.equal(order.totalCents, 2 * 4999 + 499);
    assert.deepEqual(order.user, { id: "u2" });
    assert.deepEqual(order.items, [
      { sku: "SKU-KETTLE", name: "Electric kettle", quantity: 2, unitPriceCents: 4999 },
      { sku: "SKU-FILTER", name: "Paper filters x100", quantity: 1, unitPriceCents: 499 },
    ]);
    const newest = await gql(orders.url, PAGE, { token: tokens.bob, variables: { first: 1 } });
    assert.equal(newest.data!.orders.edges[0].node.id, order.id);
  });

  it("never takes a price from the client: the catalog price is accepted, any other is refused, a client-sent name is ignored", async () => {
    const place = (item: Record<string, unknown>) => gql(orders.url, PLACE, { token: tokens.alice, variables: { input: { items: [item] } } });
    const before = orders.db.prepare("SELECT count(*) AS n FROM orders").get() as { n: number };
    for (const cents of [1, 0, 5000]) {
      const refused = await place({ sku: "SKU-KETTLE", name: "Electric kettle", quantity: 1, unitPriceCents: cents });
      assert.deepEqual(codes(refused), ["BAD_USER_INPUT"]);
      assert.match(refused.errors![0]!.message, /price of SKU-KETTLE is 4999/);
      assert.deepEqual((refused.errors![0]!.extensions!.issues as any[])[0], {
        path: "input.items.0.unitPriceCents",
        message: `the price of SKU-KETTLE is 4999, not ${cents}; omit unitPriceCents, the catalog sets it`,
        sku: "SKU-KETTLE",
        catalogUnitPriceCents: 4999,
      });
    }
    assert.deepEqual(orders.db.prepare("SELECT count(*) AS n FROM orders").get(), before, "no order was written");
    const agreed = await place({ sku: "SKU-KETTLE", name: "Cheap kettle", quantity: 1, unitPriceCents: 4999 });
    assert.equal(agreed.errors, undefined);
    assert.deepEqual(agreed.data!.placeOrder.items, [{ sku: "SKU-KETTLE", name: "Electric kettle", quantity: 1, unitPriceCents: 4999 }]);
    assert.equal(agreed.data!.placeOrder.totalCents, 4999);
  });

  it("refuses an unknown SKU by name, and writes nothing for an order with one", async () => {
    const before = orders.db.prepare("SELECT count(*) AS n FROM orders").get();
    const result = await gql(orders.url, PLACE, {
      token: tokens.alice,
      variables: { input: { items: [{ sku: "SKU-TEA", quantity: 1 }, { sku: "SKU-NOPE", quantity: 1 }] } },
    });
    assert.deepEqual(codes(result), ["BAD_USER_INPUT"]);
    assert.match(result.errors![0]!.message, /input\.items\.1\.sku: unknown SKU SKU-NOPE/);
    assert.deepEqual(orders.db.prepare("SELECT count(*) AS n FROM orders").get(), before);
  });

  it("refuses orders with no items or a zero quantity, and callers without orders:write", async () => {
    const item = { sku: "SKU-TEA", quantity: 1 };
    for (const items of [[], [{ ...item, quantity: 0 }]]) {
      assert.deepEqual(codes(await gql(orders.url, PLACE, { token: tokens.alice, variables: { input: { items } } })), ["BAD_USER_INPUT"]);
    }
    assert.deepEqual(codes(await gql(orders.url, PLACE, { token: tokens.carol, variables: { input: { items: [item] } } })), ["FORBIDDEN"]);
    assert.deepEqual(codes(await gql(orders.url, PLACE, { variables: { input: { items: [item] } } })), ["UNAUTHENTICATED"]);
  });
});
