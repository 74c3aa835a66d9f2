import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildSchema } from "graphql";
import { answerIsReadOnly } from "../../../gateway/src/executor/read-only-answers.ts";

const schema = buildSchema(`
  scalar JSON
  enum Stock { IN OUT }
  interface Node { id: ID! }
  type Dimensions { width: Int }
  type Product implements Node { id: ID! name: String price: Float! weight: Int inStock: Boolean stock: Stock tags: [String] size: Dimensions meta: JSON }
  type Query { node: Node }
`);

const entities = (selection: string) => `query ($representations: [_Any!]!) { _entities(representations: $representations) { ${selection} } }`;

describe("which entity answers nothing in the plan writes into", () => {
  it("an answer of built-in scalars, enums and __typename is read-only", () => {
    assert.equal(answerIsReadOnly(schema, entities("... on Product { __typename name price weight inStock stock id }")), true);
  });

  it("an interface's scalar fields count like an object's", () => {
    assert.equal(answerIsReadOnly(schema, entities("... on Node { id }")), true);
  });

  for (const [what, selection] of [
    ["a list, even of scalars (merged element by element into whatever list is there)", "... on Product { tags }"],
    ["an object (placed by reference, later merges write into it)", "... on Product { size { width } }"],
    ["a custom scalar (its value may be an object)", "... on Product { meta }"],
    ["a named fragment (not looked into)", "...P"],
    ["a field the schema does not know", "... on Product { colour }"],
    ["a field outside any type condition", "name"],
  ] as const) {
    it(`an answer with ${what} is not`, () => {
      assert.equal(answerIsReadOnly(schema, `${entities(selection)}${selection === "...P" ? " fragment P on Product { name }" : ""}`), false);
    });
  }

  it("a root fetch (no _entities) is not", () => {
    assert.equal(answerIsReadOnly(schema, "{ node { id } }"), false);
  });
});
