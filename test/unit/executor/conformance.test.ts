/**
 * Federation conformance: shapes written from the federation spec, answered with the plans
 * `@apollo/query-planner` 2.14 makes, by our executor and by `@apollo/gateway`'s (which must agree)
 * and against the answer the data says is right; then the same shapes on plans from Hive Router's
 * Rust planner (`operations.planner: hive-rust`), which also plans the one Apollo's gets wrong.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { differentialSystem } from "../../helpers/differential.ts";
import { interfaceObjectSubgraphs, keySetSubgraphs, requiresWithArgumentsSubgraphs } from "./conformance-subgraphs.ts";

async function answer(system: ReturnType<typeof differentialSystem>, query: string) {
  const { apollo, ours } = await system.run(query);
  assert.equal(ours, apollo, "our executor and @apollo/gateway's agree");
  const [data, rest] = ours.split("\n");
  return { data: JSON.parse(data!), errors: (JSON.parse(rest!) as { errors: unknown }).errors };
}

describe("federation conformance", () => {
  const keySets = differentialSystem(keySetSubgraphs());
  const interfaces = differentialSystem(interfaceObjectSubgraphs());

  it("reaches a subgraph keyed by id from one that knows the entity only by sku, through a third that knows both", async () => {
    const r = await answer(keySets, "{ cheapest { sku price name inStock } }");
    assert.deepEqual(r, { data: { cheapest: { sku: "T-2", price: 20, name: "Teapot", inStock: true } }, errors: null });
  });

  it("resolves a composite key (id and sku) gathered from two other subgraphs", async () => {
    const r = await answer(keySets, "{ cheapest { reviewCount } }");
    assert.deepEqual(r, { data: { cheapest: { reviewCount: 23 } }, errors: null });
  });

  it("answers @requires on a field with arguments, asked twice under aliases with different arguments", async () => {
    const r = await answer(keySets, `{ product(id: "1") { eu: shippingCost(zone: "EU") us: shippingCost(zone: "US") } }`);
    assert.deepEqual(r, { data: { product: { eu: 15, us: 38 } }, errors: null });
  });

  it("answers @requires with arguments on entities reached by another key", async () => {
    const r = await answer(keySets, `{ cheapest { name eu: shippingCost(zone: "EU") } }`);
    assert.deepEqual(r, { data: { cheapest: { name: "Teapot", eu: 8 } }, errors: null });
  });

  it("resolves concrete types and their fields for @interfaceObject entities listed by the interface object's subgraph", async () => {
    const r = await answer(interfaces, "{ topRated { __typename id stars title ... on Book { pages } ... on Film { minutes } } }");
    assert.deepEqual(r, {
      data: {
        topRated: [
          { __typename: "Film", id: "m2", stars: 5, title: "Coffee", minutes: 90 },
          { __typename: "Book", id: "m1", stars: 4, title: "Tea", pages: 120 },
        ],
      },
      errors: null,
    });
  });

  it("follows an @interfaceObject whose subgraph declares the key unresolvable", async () => {
    const r = await answer(interfaces, `{ tagged(tag: "x") { id stars title ... on Book { pages } } }`);
    assert.deepEqual(r, { data: { tagged: [{ id: "m1", stars: 4, title: "Tea", pages: 120 }] }, errors: null });
  });
});

const shapes: Array<[string, () => ReturnType<typeof differentialSystem>, string, unknown]> = [
  ["an entity known by different key sets", () => differentialSystem(keySetSubgraphs()), "{ cheapest { sku price name inStock } }", { cheapest: { sku: "T-2", price: 20, name: "Teapot", inStock: true } }],
  ["a composite key gathered from two subgraphs", () => differentialSystem(keySetSubgraphs()), "{ cheapest { reviewCount } }", { cheapest: { reviewCount: 23 } }],
  ["@requires on a field with arguments, under aliases", () => differentialSystem(keySetSubgraphs()), `{ product(id: "1") { eu: shippingCost(zone: "EU") us: shippingCost(zone: "US") } }`, { product: { eu: 15, us: 38 } }],
  ["two subgraphs requiring one field with different arguments", () => differentialSystem(requiresWithArgumentsSubgraphs()), "{ product { name shippingCost customsFee } }", { product: { name: "Kettle", shippingCost: 15, customsFee: 6.6 } }],
  ["@interfaceObject entities", () => differentialSystem(interfaceObjectSubgraphs()), "{ topRated { __typename id stars title ... on Book { pages } } }", {
    topRated: [{ __typename: "Film", id: "m2", stars: 5, title: "Coffee" }, { __typename: "Book", id: "m1", stars: 4, title: "Tea", pages: 120 }],
  }],
  ["an @interfaceObject with an unresolvable key", () => differentialSystem(interfaceObjectSubgraphs()), `{ tagged(tag: "x") { id stars title } }`, { tagged: [{ id: "m1", stars: 4, title: "Tea" }] }],
];

describe("federation conformance, planner by planner", () => {
  for (const [shape, system, query, expected] of shapes) {
    it(`with Hive's Rust planner: ${shape}`, async () => {
      const { ours } = await system().runOurs(query, { planner: "hive-rust" });
      assert.deepEqual(JSON.parse(ours.split("\n")[0]!), expected);
    });
  }

  it("with @apollo/query-planner 2.14, two subgraphs requiring one field with different arguments get the same value (a planner bug: it fetches the field once)", async () => {
    const { ours } = await differentialSystem(requiresWithArgumentsSubgraphs()).runOurs("{ product { name shippingCost customsFee } }", { planner: "apollo" });
    assert.deepEqual(JSON.parse(ours.split("\n")[0]!), { product: { name: "Kettle", shippingCost: 15, customsFee: 3 } });
  });
});
