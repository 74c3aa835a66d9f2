import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { canonicalJson } from "../../../gateway/src/subgraph/canonical-json.ts";

describe("canonical JSON", () => {
  const cases: Array<{ rule: string; value: unknown; json: string }> = [
    { rule: "sorts object keys at every depth", value: { b: 1, a: { d: [{ z: 1, y: 2 }], c: null } }, json: '{"a":{"c":null,"d":[{"y":2,"z":1}]},"b":1}' },
    { rule: "drops undefined and function members of objects", value: { a: undefined, b: () => 1, c: 1 }, json: '{"c":1}' },
    { rule: "writes undefined array items as null", value: [undefined, 1], json: "[null,1]" },
    { rule: "writes non-finite numbers as null", value: [NaN, Infinity, -0], json: "[null,null,0]" },
    { rule: "escapes strings and keys as JSON does", value: { 'q"\n': 'a"\u2028b' }, json: JSON.stringify({ 'q"\n': 'a"\u2028b' }) },
    { rule: "honours toJSON", value: { at: new Date(0) }, json: '{"at":"1970-01-01T00:00:00.000Z"}' },
    { rule: "writes a bare undefined as null", value: undefined, json: "null" },
  ];
  for (const { rule, value, json } of cases) {
    it(rule, () => assert.equal(canonicalJson(value), json));
  }

  it("gives the same text for values that differ only in key order", () => {
    assert.equal(canonicalJson({ x: { p: 1, q: [1, { s: 1, r: 2 }] }, y: 2 }), canonicalJson({ y: 2, x: { q: [1, { r: 2, s: 1 }], p: 1 } }));
  });

  it("throws on a bigint, as JSON.stringify does", () => {
    assert.throws(() => canonicalJson({ n: 1n }), TypeError);
  });
});
