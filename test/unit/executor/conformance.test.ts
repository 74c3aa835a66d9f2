/**
 * Federation conformance: shapes written from the federation spec, answered with the plans
 * `@apollo/query-planner` 2.14 makes, by our executor and by `@apollo/gateway`'s (which must agree)
 * and against the answer the data says is right; then the same shapes on plans from Hive Router's
 * Rust planner (`operations.planner: hive-rust`), which also plans the one Apollo's gets wrong.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { composeServices } from "@apollo/composition";
import { parse } from "graphql";
import { guildSdl, guildSubgraphs } from "../../../bench/subgraphs/guild.ts";
import { demoSdl, demoSubgraphs } from "../../../bench/subgraphs/demo.ts";
import { suites } from "../../../bench/src/suites.ts";
import { differentialSystem, systemFromSupergraph } from "../../helpers/differential.ts";
import { edgeSubgraphs } from "./edge-subgraphs.ts";
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

describe("Hive's Rust planner on the differential corpus", () => {
  const composed = (sdl: Record<string, string>) => composeServices(Object.entries(sdl).map(([name, t]) => ({ name, url: "http://127.0.0.1:9", typeDefs: parse(t) }))).supergraphSdl!;
  const bench = Object.fromEntries(suites.flatMap((s) => s.queries.map((q) => [q.name, q.query])));
  const guild = systemFromSupergraph(composed(guildSdl), guildSubgraphs());
  const demo = systemFromSupergraph(composed(demoSdl()), demoSubgraphs());
  const edge = differentialSystem(edgeSubgraphs());
  const corpus: Array<[string, ReturnType<typeof differentialSystem>, string]> = [
    ["the deep query (batched entity fetches)", guild, bench.deep!],
    ["the small query", demo, bench.small!],
    ["the orders query", demo, bench.orders!],
    ["entities across four subgraphs", edge, `{ products(ids: ["p1", "p2", "p5"]) { id name color price shippingCost reviews { id body stars author { id name } } rating vendor { id name country } } }`],
    ["an @interfaceObject interface", edge, `{ media { __typename id title popularity ... on Book { pages } ... on Film { minutes } } }`],
    ["named and inline fragments", edge, `query Q { product(id: "p1") { t: __typename ...F ... { id } ... on Product { price } } } fragment F on Product { name reviews { ...R } } fragment R on Review { stars }`],
    ["a null bubbled to a list", edge, `{ products(ids: ["p1", "p5"]) { id reviews { id body } } }`],
  ];
  for (const [name, system, query] of corpus) {
    it(`plans and answers as @apollo/gateway does: ${name}`, async () => {
      const whole = await system.run(query);
      const hive = await system.runOurs(query, { planner: "hive-rust" });
      assert.equal(hive.plannedBy, "hive-rust");
      const [apolloData, apolloRest] = whole.apollo.split("\n");
      const [hiveData, hiveRest] = hive.ours.split("\n");
      assert.equal(hiveData, apolloData);
      // Its plans may order fetches differently: the same errors, in any order.
      const errors = (text: string) => ((JSON.parse(text!) as { errors: unknown[] | null }).errors ?? []).map((e) => JSON.stringify(e)).sort();
      assert.deepEqual(errors(hiveRest!), errors(apolloRest!));
    });
  }

  it("reports an entity error at the entity's own index when a type condition skips list elements (where @apollo/gateway counts only the entities sent)", async () => {
    const query = `{ search(term: "t") { __typename ... on Product { id name rating } ... on Article { id title } } }`;
    const hive = await edge.runOurs(query, { planner: "hive-rust" });
    const apollo = await edge.run(query);
    const pathOf = (text: string) => (JSON.parse(text.split("\n")[1]!) as { errors: Array<{ path: unknown }> }).errors[0]!.path;
    assert.deepEqual(pathOf(hive.ours), ["search", 2, "rating"], "p2 is the third search result");
    assert.deepEqual(pathOf(apollo.ours), ["search", 2, "rating"], "and so does our executor on Apollo's plan");
    assert.deepEqual(pathOf(apollo.apollo), ["search", 1, "rating"]);
  });
});
