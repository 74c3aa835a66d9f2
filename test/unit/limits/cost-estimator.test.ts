/**
 * The estimate follows the documented rules: objects 1, scalars and enums 0, `@cost` on fields,
 * types, arguments and input fields, lists multiplied by their size from slicing arguments,
 * `assumedSize`, sized fields or the default, fragments merged by response key, and
 * `@skip`/`@include` honoured with variables.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { estimateCost } from "../../../gateway/src/limits/cost-estimator.ts";
import { costInput } from "./cost-schema.ts";

const cases: Array<{ name: string; query: string; variables?: Record<string, unknown>; cost: number }> = [
  { name: "introspection's __typename is free", query: "{ __typename }", cost: 0 },
  { name: "the introspection root fields are free", query: "{ __schema { types { name fields { name } } } }", cost: 0 },
  { name: "an object costs 1 and its scalars 0", query: "{ me { id name } }", cost: 1 },
  { name: "an enum costs 0", query: "{ status }", cost: 0 },
  { name: "a list of scalars costs 0", query: "{ tags }", cost: 0 },
  { name: "@cost on a field replaces the default", query: "{ expensive }", cost: 7 },
  { name: "@cost on a type applies to fields returning it", query: "{ heavy { id } }", cost: 5 },
  { name: "a list without @listSize uses the default size 10", query: "{ products { id } }", cost: 10 },
  { name: "a list multiplies its elements' selections too", query: "{ products { reviews { stars } } }", cost: 10 * (1 + 5) },
  { name: "assumedSize sizes a list", query: "{ featured { id } }", cost: 3 },
  { name: "a slicing argument sizes a list", query: "{ users(first: 5) { id } }", cost: 5 },
  { name: "the largest of several slicing arguments counts", query: "{ users(first: 5, last: 8) { id } }", cost: 8 },
  { name: "a list with slicing arguments but none given falls back to the default size", query: "{ users { id } }", cost: 10 },
  { name: "a slicing argument from a variable counts", query: "query($n: Int) { users(first: $n) { id } }", variables: { n: 3 }, cost: 3 },
  { name: "a negative slicing argument counts as an empty list", query: "{ users(first: -4) { id } }", cost: 0 },
  { name: "nested lists multiply", query: "{ users(first: 2) { friends { posts(first: 3) { id } } } }", cost: 2 * (1 + 4 * (1 + 3)) },
  { name: "sizedFields hand the slicing argument to the connection's edges", query: "{ orders(first: 50) { edges { node { id } } totalCount } }", cost: 1 + 50 * 2 },
  { name: "a slicing argument's default value counts when it is not given", query: "{ orders { edges { node { id } } } }", cost: 1 + 20 * 2 },
  { name: "a list of lists multiplies by the size once per level", query: "{ grid { id } }", cost: 2 * 2 },
  { name: "a named fragment counts like inline fields", query: "{ me { ...F } } fragment F on User { friends { id } }", cost: 1 + 4 },
  { name: "an inline fragment counts like inline fields", query: "{ me { ... on User { name friends { id } } } }", cost: 1 + 4 },
  { name: "a field selected twice under one response key counts once", query: "{ me { friends { id } ... on User { friends { name } } } }", cost: 1 + 4 },
  { name: "aliases count separately", query: "{ a: me { id } b: me { id } }", cost: 2 },
  { name: "@skip(if: true) removes a selection", query: "query($s: Boolean!) { me { id } products @skip(if: $s) { id } }", variables: { s: true }, cost: 1 },
  { name: "@skip(if: false) keeps a selection", query: "query($s: Boolean!) { me { id } products @skip(if: $s) { id } }", variables: { s: false }, cost: 11 },
  { name: "@include(if: false) removes a selection", query: "{ me { id } products @include(if: false) { id } }", cost: 1 },
  { name: "@skip on a fragment spread removes it", query: "{ me { ...F @skip(if: true) } } fragment F on User { friends { id } }", cost: 1 },
  { name: "@cost on a given argument is added once", query: '{ search(term: "x") { ... on User { id } } }', cost: 2 * 1 + 4 },
  { name: "@cost on a given input-object field is added", query: '{ search(term: "x", filter: { deep: true }) { ... on User { id } } }', cost: 2 * 1 + 4 + 3 },
  { name: "an input-object field from a variable is costed", query: 'query($f: Filter) { search(term: "x", filter: $f) { ... on User { id } } }', variables: { f: { deep: false, name: "n" } }, cost: 2 + 4 + 3 },
  { name: "a union costs its most expensive member's selection", query: '{ search(term: "x") { ... on User { friends { id } } ... on Product { id } } }', cost: 2 * (1 + 4) + 4 },
  { name: "a root mutation field without @cost costs mutationWeight", query: "mutation { ping }", cost: 10 },
  { name: "a root mutation field's own @cost replaces mutationWeight", query: "mutation { pay { id } }", cost: 12 },
  { name: "a mutation's selection is added to its weight", query: "mutation { place { id } }", cost: 10 },
];

describe("the cost estimate", () => {
  for (const c of cases) {
    it(`${c.name} (${c.cost})`, () => {
      assert.equal(estimateCost(costInput(c.query, c.variables)).cost, c.cost);
    });
  }

  it("counts each field coordinate's occurrences, aliases included and list sizes not", () => {
    const { fieldCounts } = estimateCost(costInput("mutation { a: pay { id } b: pay { id } ping }"));
    assert.equal(fieldCounts.get("Mutation.pay"), 2);
    assert.equal(fieldCounts.get("Mutation.ping"), 1);
    const nested = estimateCost(costInput("{ users(first: 50) { friends { id } } }")).fieldCounts;
    assert.equal(nested.get("User.friends"), 1);
  });

  it("does not count a skipped field's occurrences", () => {
    const { fieldCounts } = estimateCost(costInput("mutation { pay @skip(if: true) { id } ping }"));
    assert.equal(fieldCounts.get("Mutation.pay"), undefined);
  });
});
