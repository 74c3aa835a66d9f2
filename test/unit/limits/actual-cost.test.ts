/**
 * The actual cost uses the estimate's rules over the response data: lists count their real
 * length, null and missing fields cost only their arguments, so a short list costs less than
 * its estimate.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parse, type OperationDefinitionNode } from "graphql";
import { actualCost, ActualCostWalkers } from "../../../gateway/src/limits/actual-cost.ts";
import { estimateCost } from "../../../gateway/src/limits/cost-estimator.ts";
import { costInput } from "./cost-schema.ts";

const cases: Array<{ name: string; query: string; data: Record<string, unknown> | null; cost: number }> = [
  { name: "no data costs nothing", query: "{ me { id } }", data: null, cost: 0 },
  { name: "a null object costs nothing", query: "{ me { id } }", data: { me: null }, cost: 0 },
  { name: "an object costs 1", query: "{ me { id } }", data: { me: { id: "1" } }, cost: 1 },
  {
    name: "lists count their real lengths, nested ones too",
    query: "{ products { id reviews { stars } } }",
    data: { products: [{ id: "1", reviews: [{ stars: 5 }] }, { id: "2", reviews: [] }] },
    cost: 2 + 1,
  },
  {
    name: "a connection's edges count their real length",
    query: "{ orders(first: 50) { edges { node { id } } totalCount } }",
    data: { orders: { edges: [{ node: { id: "a" } }, { node: { id: "b" } }, { node: { id: "c" } }], totalCount: 3 } },
    cost: 1 + 3 * 2,
  },
  {
    name: "aliases are read under their response keys",
    query: "{ a: me { id } b: me { id } }",
    data: { a: { id: "1" }, b: null },
    cost: 1,
  },
  {
    name: "a union member is costed by its __typename",
    query: '{ search(term: "x") { __typename ... on User { friends { id } } ... on Product { id } } }',
    data: { search: [{ __typename: "User", friends: [{ id: "2" }] }, { __typename: "Product", id: "p" }] },
    cost: 4 + (1 + 1) + 1,
  },
  { name: "a mutation costs its weight", query: "mutation { pay { id } }", data: { pay: { id: "o" } }, cost: 12 },
  { name: "a skipped field is not read", query: "{ me { id } products @skip(if: true) { id } }", data: { me: { id: "1" } }, cost: 1 },
];

describe("the actual cost", () => {
  for (const c of cases) {
    it(`${c.name} (${c.cost})`, () => {
      assert.equal(actualCost(costInput(c.query), c.data), c.cost);
    });
  }

  it("is at most the estimate when every list is within its estimated size", () => {
    const input = costInput("{ users(first: 5) { friends { id } } }");
    const data = { users: [{ friends: [{ id: "a" }] }, { friends: [] }] };
    assert.equal(estimateCost(input).cost, 5 * (1 + 4));
    assert.equal(actualCost(input, data), 2 + 1);
  });

  it("costs every case the same with walkers kept across requests, each case answered twice", () => {
    const walkers = new ActualCostWalkers();
    for (const c of cases) {
      const input = costInput(c.query);
      assert.equal(actualCost(input, c.data, walkers), c.cost, c.name);
      assert.equal(actualCost({ ...input }, c.data, walkers), c.cost, `${c.name}, again`);
    }
  });

  it("keeps one walker per operation and variables: other variables, another walker", () => {
    const walkers = new ActualCostWalkers();
    const query = "query ($skip: Boolean!) { me { id } products @skip(if: $skip) { id } }";
    const document = parse(query);
    const operation = document.definitions[0] as OperationDefinitionNode;
    const data = { me: { id: "1" }, products: [{ id: "a" }, { id: "b" }] };
    const withVariables = (skip: boolean) => ({ ...costInput(query, { skip }), document, operation });
    assert.equal(actualCost(withVariables(true), data, walkers), 1, "products skipped: not read");
    assert.equal(actualCost(withVariables(false), data, walkers), 1 + 2, "products included: their real length");
    assert.equal(walkers.get(withVariables(true)), walkers.get(withVariables(true)));
    assert.notEqual(walkers.get(withVariables(true)), walkers.get(withVariables(false)));
  });
});
