import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { flatten } from "../../../gateway/src/executor/flatten-path.ts";
import { SharedObjects } from "../../../gateway/src/executor/shared-objects.ts";

/** Nothing in these trees is held by another request. */
const unshared = new SharedObjects();

/** @apollo/gateway's flattenResultsAtPath, written plainly: `@` maps over the list and flattens one level. */
function reference(value: unknown, path: readonly string[]): unknown {
  if (path.length === 0 || value === undefined || value === null) return value;
  const [step, ...rest] = path;
  if (step === "@") return (value as unknown[]).map((element) => reference(element, rest)).flat();
  return reference((value as Record<string, unknown>)[step!], rest);
}

const data = {
  users: [
    { reviews: [{ product: { upc: "1", tags: ["a", "b"] } }, { product: null }, { product: { upc: "2", tags: [] } }] },
    { reviews: [] },
    { reviews: null },
    null,
    { reviews: [{ product: { upc: "1", tags: [["x"], "y"] } }] },
  ],
};

describe("the entities a flatten path reaches", () => {
  for (const path of [
    ["users"],
    ["users", "@"],
    ["users", "@", "reviews"],
    ["users", "@", "reviews", "@"],
    ["users", "@", "reviews", "@", "product"],
    ["users", "@", "reviews", "@", "product", "tags"],
    ["users", "@", "reviews", "@", "product", "tags", "@"],
    ["missing", "@", "reviews"],
  ]) {
    it(`reaches what @apollo/gateway reaches at ${path.join(".")}, nulls and one level of list flattening included`, () => {
      assert.deepEqual(flatten(data, path, 0, unshared), reference(data, path));
    });
  }

  it("refuses a list where the path names a field", () => {
    assert.throws(() => flatten({ users: [[{ a: 1 }]] }, ["users", "@", "a"], 0, unshared), /Unexpected array in result for path element a/);
  });

  it("keeps only objects of the named types at a type condition (Hive's plans)", () => {
    const list = { items: [{ __typename: "Book", id: 1 }, { __typename: "Film", id: 2 }] };
    assert.deepEqual(flatten(list, ["items", "... on Book"], 0, unshared), [{ __typename: "Book", id: 1 }]);
  });
});
