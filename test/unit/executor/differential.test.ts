/**
 * Our executor against `@apollo/gateway`'s, on the same plans and the same subgraph answers:
 * data (in field order), errors (message, path, extensions) and extensions must be equal. The
 * corpus: the benchmark's queries on its subgraphs, and an edge supergraph with interfaces and
 * unions across subgraphs, @requires, @provides, @interfaceObject, @override, an @inaccessible
 * enum value, nulls at non-null positions, entity errors, prototype-named aliases, @skip/@include
 * with variables; then the same with answers tampered the way a faulty subgraph would.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { composeServices } from "@apollo/composition";
import { parse } from "graphql";
import { demoSdl, demoSubgraphs } from "../../../bench/subgraphs/demo.ts";
import { guildSdl, guildSubgraphs } from "../../../bench/subgraphs/guild.ts";
import { suites } from "../../../bench/src/suites.ts";
import { differentialSystem, systemFromSupergraph, type DifferentialSystem, type Tamper } from "../../helpers/differential.ts";
import { edgeSubgraphs } from "./edge-subgraphs.ts";

function composed(sdl: Record<string, string>): string {
  const result = composeServices(Object.entries(sdl).map(([name, typeDefs]) => ({ name, url: `http://127.0.0.1:9/${name}`, typeDefs: parse(typeDefs) })));
  if (result.errors) throw new Error(result.errors.map((e) => e.message).join("; "));
  return result.supergraphSdl;
}

async function assertSame(system: DifferentialSystem, query: string, options: Parameters<DifferentialSystem["run"]>[1] = {}) {
  const { apollo, ours, fetches } = await system.run(query, options);
  assert.equal(ours, apollo);
  assert.ok(fetches.ours <= fetches.apollo, `ours sent ${fetches.ours} fetches, Apollo ${fetches.apollo}`);
  return fetches;
}

const benchQueries = Object.fromEntries(suites.flatMap((s) => s.queries.map((q) => [q.name, q.query])));

describe("the executor answers exactly as @apollo/gateway's", () => {
  const guild = systemFromSupergraph(composed(guildSdl), guildSubgraphs());
  const demo = systemFromSupergraph(composed(demoSdl()), demoSubgraphs());
  const edge = differentialSystem(edgeSubgraphs());

  it("on the benchmark's deep query, sending fewer entity representations where they repeat", async () => {
    const fetches = await assertSame(guild, benchQueries.deep!);
    assert.ok(fetches.ours > 0);
  });

  it("on the benchmark's demo queries", async () => {
    await assertSame(demo, benchQueries.small!);
    await assertSame(demo, benchQueries.orders!);
  });

  const edgeCases: Array<[string, string, Record<string, unknown>?]> = [
    ["entities across four subgraphs with @requires and @provides", `{ products(ids: ["p1", "p2", "p5"]) { id name color price shippingCost reviews { id body stars author { id name } } rating vendor { id name country } } }`],
    ["an @inaccessible enum value a subgraph returns", `{ products(ids: ["p1", "p4"]) { id color } }`],
    ["a null at a non-null field, bubbled to the nullable parent", `{ product(id: "p3") { id name price } }`],
    ["a null inside a list of non-null elements, bubbled to the list", `{ products(ids: ["p1", "p5"]) { id reviews { id body } } }`],
    ["an error inside _entities, with its path", `{ products(ids: ["p1", "p2"]) { id rating } }`],
    ["a failing @requires field", `{ products(ids: ["p5", "p1"]) { id shippingCost } }`],
    ["a union across subgraphs whose entities fail nowhere", `{ search(term: "t") { __typename ... on Product { id name } ... on Article { id title } } }`],
    ["an @interfaceObject interface", `{ media { __typename id title popularity ... on Book { pages } ... on Film { minutes } } }`],
    ["aliases named after Object.prototype members", `{ __proto__: product(id: "p1") { constructor: name toString: id __proto__: price } hasOwnProperty: count }`],
    ["repeated entities in one fetch", `{ products(ids: ["p1", "p1", "p2", "p1"]) { id shippingCost reviews { stars author { name } } } }`],
    ["named fragments, nested inline fragments and aliased __typename", `query Q { product(id: "p1") { t: __typename ...F ... { id } ... on Product { price } } } fragment F on Product { name reviews { ...R } } fragment R on Review { stars }`],
    ["__typename at the root with an empty list", `{ __typename products(ids: []) { id } count }`],
    ["conflicting field types under aliases in different parents", `{ a: product(id: "p1") { x: name } b: product(id: "p2") { x: price } }`],
    ["@skip and @include with variables and defaults, included", `query V($withReviews: Boolean!, $skipName: Boolean = false) { products(ids: ["p1", "p2"]) { id name @skip(if: $skipName) reviews @include(if: $withReviews) { body } } }`, { withReviews: true }],
    ["@skip and @include with variables and defaults, skipped", `query V($withReviews: Boolean!, $skipName: Boolean = false) { products(ids: ["p1", "p2"]) { id name @skip(if: $skipName) reviews @include(if: $withReviews) { body } } }`, { withReviews: false, skipName: true }],
    ["a field selected twice with different sub-selections", `{ products(ids: ["p1"]) { reviews { id } id reviews { body author { id } } } }`],
  ];
  for (const [rule, query, variables] of edgeCases) {
    it(`on ${rule}`, async () => {
      await assertSame(edge, query, variables ? { variables } : {});
    });
  }

  const tampered: Array<[string, string, Tamper]> = [
    [
      "a wrong __typename in an entity answer",
      `{ products(ids: ["p1", "p2"]) { id rating reviews { stars } } }`,
      (service, body) => {
        const entities = (body.data as { _entities?: Array<Record<string, unknown>> } | null)?._entities;
        if (service === "reviews" && entities?.[0]) entities[0].__typename = "Nope";
      },
    ],
    [
      "a missing __typename on a union member",
      `{ search(term: "t") { ... on Product { id name } ... on Article { id } } }`,
      (service, body) => {
        const list = (body.data as { search?: Array<Record<string, unknown>> } | null)?.search;
        if (service === "catalog" && list?.[1]) delete list[1].__typename;
      },
    ],
    [
      "an out-of-range Int, a float for an Int and a string for a Boolean-free scalar",
      `{ count products(ids: ["p1", "p2"]) { id price name } }`,
      (service, body) => {
        const data = body.data as { count?: number; products?: Array<Record<string, unknown>> } | null;
        if (service !== "catalog" || !data) return;
        if ("count" in data) data.count = 2 ** 40;
        if (data.products?.[0]) data.products[0].price = 1.5;
        if (data.products?.[1]) data.products[1].name = 12;
      },
    ],
    [
      "an entity answer of null with an error pointing into it",
      `{ products(ids: ["p1", "p2"]) { id shippingCost } }`,
      (service, body) => {
        const entities = (body.data as { _entities?: unknown[] } | null)?._entities;
        if (service === "shipping" && entities) {
          entities[1] = null;
          body.errors = [{ message: "gone", path: ["_entities", 1, "shippingCost"], extensions: { code: "GONE" } }];
        }
      },
    ],
    [
      "a subgraph error without a path or code",
      `{ products(ids: ["p1"]) { id rating } }`,
      (service, body) => {
        if (service === "reviews") {
          body.data = null;
          body.errors = [{ message: "" }];
        }
      },
    ],
    [
      "a list where an object was expected",
      `{ product(id: "p1") { id vendor { name } } }`,
      (service, body) => {
        const product = (body.data as { product?: Record<string, unknown> } | null)?.product;
        if (service === "catalog" && product) product.vendor = [1, 2];
      },
    ],
    [
      "an _entities list of the wrong length",
      `{ products(ids: ["p1", "p2"]) { id rating } }`,
      (service, body) => {
        const entities = (body.data as { _entities?: unknown[] } | null)?._entities;
        if (service === "reviews" && entities) entities.pop();
      },
    ],
  ];
  for (const [rule, query, tamper] of tampered) {
    it(`on ${rule}`, async () => {
      await assertSame(edge, query, { tamper });
    });
  }

  it("diverges on purpose: an entity error names the entity it is about, where a union's other members got no representation", async () => {
    // search answers [p1, an Article, p2]; p2's rating fails. @apollo/gateway takes the
    // representation's index (1) as the entity's and names the Article; we name p2.
    const query = `{ search(term: "t") { __typename ... on Product { id name rating } ... on Article { id title } } }`;
    const { apollo, ours } = await edge.run(query);
    assert.equal(ours.split("\n")[0], apollo.split("\n")[0], "the data is the same");
    const pathOf = (text: string) => (JSON.parse(text.split("\n")[1]!) as { errors: Array<{ path: unknown }> }).errors.map((e) => e.path);
    assert.deepEqual(pathOf(ours), [["search", 2, "rating"]]);
    assert.deepEqual(pathOf(apollo), [["search", 1, "rating"]]);
  });
});
