import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildSchema, type GraphQLSchema } from "graphql";
import type { QueryPlanSelectionNode } from "@apollo/query-planner";
import { byKey } from "../../../gateway/src/executor/entity-representations.ts";
import { compileRepresentation, compileRepresentationKey } from "../../../gateway/src/executor/representations.ts";
import { serializeBody } from "../../../gateway/src/subgraph/request-body.ts";

const schema: GraphQLSchema = buildSchema(`
  scalar JSON
  interface Node { id: ID! }
  type Product implements Node { id: ID! upc: JSON sku: String }
  type User implements Node { id: ID! }
  type Query { node: Node }
`);

const field = (name: string): QueryPlanSelectionNode => ({ kind: "Field", name }) as QueryPlanSelectionNode;
const requires = (typeCondition: string, names: string[]): QueryPlanSelectionNode[] => [
  { kind: "InlineFragment", typeCondition, selections: names.map(field) } as QueryPlanSelectionNode,
];

function gather(condition: string, names: string[], entities: unknown[]) {
  const selections = requires(condition, names);
  const key = compileRepresentationKey(schema, selections);
  assert.ok(key, "scalar fields under one type condition are read as a key");
  return byKey(key, compileRepresentation(schema, selections), entities);
}

describe("finding repeated entities by their required values", () => {
  it("sends each distinct representation once and points every entity at its slot", () => {
    const reps = gather("Product", ["__typename", "upc"], [
      { __typename: "Product", upc: "1" },
      { __typename: "Product", upc: "2" },
      { __typename: "Product", upc: "1" },
    ]);
    assert.deepEqual(reps.sent, [{ __typename: "Product", upc: "1" }, { __typename: "Product", upc: "2" }]);
    assert.deepEqual(reps.owners, [0, 1, 2]);
    assert.deepEqual(reps.slot, [0, 1, 0]);
  });

  it("keeps a string apart from the number, and a JSON object apart from the string of its JSON", () => {
    const reps = gather("Product", ["__typename", "upc"], [
      { __typename: "Product", upc: "1" },
      { __typename: "Product", upc: 1 },
      { __typename: "Product", upc: { a: 1 } },
      { __typename: "Product", upc: '{"a":1}' },
      { __typename: "Product", upc: { a: 1 } },
      { __typename: "Product", upc: null },
      { __typename: "Product", upc: null },
    ]);
    assert.equal(reps.sent.length, 5);
    assert.deepEqual(reps.slot, [0, 1, 2, 3, 2, 4, 4]);
  });

  it("tells entities apart by every required field, not only the first", () => {
    const reps = gather("Product", ["__typename", "id", "sku"], [
      { __typename: "Product", id: "1", sku: "a" },
      { __typename: "Product", id: "1", sku: "b" },
      { __typename: "Product", id: "1", sku: "a" },
    ]);
    assert.deepEqual(reps.slot, [0, 1, 0]);
  });

  it("sends nothing for an entity missing a required field, of another type, or without a __typename", () => {
    const reps = gather("Product", ["__typename", "id"], [{ __typename: "Product" }, { __typename: "User", id: "1" }, { id: "1" }, null, { __typename: "Product", id: "9" }]);
    assert.deepEqual(reps.owners, [4]);
    assert.deepEqual(reps.sent, [{ __typename: "Product", id: "9" }]);
  });

  it("matches members of an abstract type condition by their __typename", () => {
    const reps = gather("Node", ["__typename", "id"], [{ __typename: "Product", id: "1" }, { __typename: "User", id: "1" }, { __typename: "Product", id: "1" }]);
    assert.deepEqual(reps.slot, [0, 1, 0], "a Product and a User with the same id are different entities");
  });

  it("carries the sent representations' JSON text into the request body unchanged", () => {
    const reps = gather("Product", ["__typename", "upc"], [{ __typename: "Product", upc: "1" }, { __typename: "Product", upc: "1" }, { __typename: "Product", upc: "x" }]);
    const body = serializeBody({ query: "q", variables: { representations: reps.sent } });
    assert.deepEqual(JSON.parse(body).variables.representations, reps.sent);
  });
});
