/**
 * The estimate cache: the same document, operation and variables give the same estimate
 * without walking the document again; anything that changes the estimate is a different entry.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { buildSchema, parse } from "graphql";
import { EstimateCache } from "../../../gateway/src/limits/estimate-cache.ts";
import { noCostDirectives, type CostDirectives } from "../../../gateway/src/limits/cost-directives.ts";
import type { CostInput } from "../../../gateway/src/limits/cost-estimator.ts";
import { defaultCostOptions } from "../../../gateway/src/limits/cost-rules.ts";

const schema = buildSchema(`type Query { items(first: Int): [Item!]! } type Item { id: ID! tags: [String!]! }`);
const document = parse(`query A($n: Int) { items(first: $n) { id } } query B { items { id } }`);
/** `items` is sized by its `first` argument. */
const sliced: CostDirectives = {
  ...noCostDirectives,
  listSize: (type, field) => (type === "Query" && field === "items" ? { assumedSize: undefined, slicingArguments: ["first"], sizedFields: [], requireOneSlicingArgument: false } : undefined),
};

function input(operation: "A" | "B", variables: Record<string, unknown>, directives = sliced): CostInput {
  const op = document.definitions.find((d) => d.kind === "OperationDefinition" && d.name?.value === operation) as CostInput["operation"];
  return { schema, document, operation: op, variables, directives, options: defaultCostOptions };
}

describe("the estimate cache", () => {
  it("returns the same estimate object for the same document, operation and variables, in any key order", () => {
    const cache = new EstimateCache();
    const first = cache.estimate(input("A", { n: 3, other: 1 }));
    assert.equal(cache.estimate(input("A", { other: 1, n: 3 })), first);
  });

  it("keeps separate entries for other variables, another operation and other directives", () => {
    const cache = new EstimateCache();
    const three = cache.estimate(input("A", { n: 3 }));
    const five = cache.estimate(input("A", { n: 5 }));
    assert.notEqual(three.cost, five.cost, "the list size follows the variable");
    assert.notEqual(cache.estimate(input("B", {})), cache.estimate(input("A", {})));
    const reloaded = { ...sliced };
    assert.notEqual(cache.estimate(input("A", { n: 3 }, reloaded)), three);
  });
});
