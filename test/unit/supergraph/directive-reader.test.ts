/**
 * The directive reader resolves names through the supergraph's `@link`s (imports, renames,
 * the feature's own prefix) and reports applications by type, field and argument under the
 * spec's names.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { featureIdentity, readDirectiveApplications } from "../../../gateway/src/supergraph/directive-reader.ts";

const cost = [{ url: "https://specs.apollo.dev/cost", directives: ["cost", "listSize"] }];
const sdl = (link: string, body: string) => `schema @link(url: "https://specs.apollo.dev/link/v1.0") ${link} { query: Query }\n${body}`;

describe("the directive reader", () => {
  it("reads a directive named like its feature without import, and an imported one", () => {
    const index = readDirectiveApplications(
      sdl('@link(url: "https://specs.apollo.dev/cost/v0.1", import: ["@listSize"])', 'type Query { a(n: Int @cost(weight: 2)): [Int] @cost(weight: 3) @listSize(assumedSize: 4) }'),
      cost,
    );
    assert.deepEqual(index.onField("Query", "a"), [
      { name: "cost", args: { weight: 3 } },
      { name: "listSize", args: { assumedSize: 4 } },
    ]);
    assert.deepEqual(index.onArgument("Query", "a", "n"), [{ name: "cost", args: { weight: 2 } }]);
  });

  it("follows an import renamed with `as`", () => {
    const index = readDirectiveApplications(
      sdl('@link(url: "https://specs.apollo.dev/cost/v0.1", import: [{ name: "@listSize", as: "@size" }])', "type Query { a: [Int] @size(assumedSize: 9) @listSize(assumedSize: 1) }"),
      cost,
    );
    assert.deepEqual(index.onField("Query", "a"), [{ name: "listSize", args: { assumedSize: 9 } }], "the unrenamed name is not the spec's here");
  });

  it("uses the link's `as` as the prefix of non-imported directives", () => {
    const index = readDirectiveApplications(
      sdl('@link(url: "https://specs.apollo.dev/cost/v0.1", as: "dc")', "type Query @dc(weight: 5) { a: [Int] @dc__listSize(assumedSize: 2) }"),
      cost,
    );
    assert.deepEqual(index.onType("Query"), [{ name: "cost", args: { weight: 5 } }]);
    assert.deepEqual(index.onField("Query", "a"), [{ name: "listSize", args: { assumedSize: 2 } }]);
  });

  it("reads nothing for a feature the supergraph does not link", () => {
    const index = readDirectiveApplications(sdl("", "directive @cost(weight: Int!) on FIELD_DEFINITION\ntype Query { a: Int @cost(weight: 1) }"), cost);
    assert.deepEqual([...index.coordinates()], []);
  });

  it("reads input fields, enums and scalars", () => {
    const index = readDirectiveApplications(
      sdl('@link(url: "https://specs.apollo.dev/cost/v0.1")', "type Query { a: Int }\ninput F { x: Int @cost(weight: 3) }\nenum E @cost(weight: 1) { A }\nscalar S @cost(weight: 2)"),
      cost,
    );
    assert.equal(index.find("F.x", "cost")?.args.weight, 3);
    assert.equal(index.find("E", "cost")?.args.weight, 1);
    assert.equal(index.find("S", "cost")?.args.weight, 2);
  });

  it("strips the version from a feature URL", () => {
    assert.equal(featureIdentity("https://specs.apollo.dev/cost/v0.1"), "https://specs.apollo.dev/cost");
  });
});
