/** Signatures: one per operation shape, whatever its literals, whitespace or field order; still a valid document. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { buildSchema, parse, validate } from "graphql";
import { operationDocument, signatureOf } from "../../../gateway/src/usage/signature.ts";

const signature = (text: string, name?: string) => signatureOf(operationDocument(parse(text), name)!);

describe("operation signatures", () => {
  const cases: Array<[string, string, string]> = [
    ["ints, floats and strings become placeholders", '{ a(n: 42, f: 1.5, s: "secret") }', '{a(f:0 n:0 s:"")}'],
    ["lists keep one placeholder element", "{ a(ids: [1, 2, 3]) }", "{a(ids:[0])}"],
    ["object fields are sorted, their values stripped", '{ a(in: { z: "x", b: 2 }) }', '{a(in:{b:0 z:""})}'],
    ["enum values and booleans stay (they are schema, not data)", "{ a(e: RED, b: true) }", "{a(b:true e:RED)}"],
    ["variable defaults are stripped", 'query Q($s: String = "x") { a(s: $s) }', 'query Q($s:String=""){a(s:$s)}'],
    ["fields are sorted by name, aliases kept", "{ z a: y b }", "{b a:y z}"],
  ];
  for (const [rule, text, expected] of cases) {
    it(rule, () => assert.equal(signature(text), expected));
  }

  it("is the same for the same shape with other literals, spacing and order", () => {
    assert.equal(signature('query Q { b a(n: 1, s: "x") }'), signature('query   Q {\n a(s: "y", n: 2)\n b }'));
  });

  it("keeps only the chosen operation and the fragments it reaches", () => {
    const text = "query A { ...F } query B { c } fragment F on Query { a ...G } fragment G on Query { b } fragment Unused on Query { d }";
    assert.equal(signature(text, "A"), "query A{...F}fragment F on Query{a ...G}fragment G on Query{b}");
  });

  it("stays valid against the schema the operation was valid against", () => {
    const schema = buildSchema("type Query { a(n: Int!, s: String, ids: [ID!], in: In): Int } input In { b: Int! z: String }");
    const text = 'query Q($n: Int! = 5) { x: a(n: $n, s: "t", ids: ["1", "2"], in: { b: 3 }) y: a(n: 7) }';
    assert.deepEqual(validate(schema, parse(text)), []);
    assert.deepEqual(validate(schema, parse(signature(text))), []);
  });
});
