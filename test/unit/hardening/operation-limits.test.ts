import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { buildSchema, parse, validate, Kind, type FragmentDefinitionNode, type OperationDefinitionNode } from "graphql";
import { measureOperation, operationLimitsRule } from "../../../gateway/src/hardening/operation-limits.ts";

const schema = buildSchema(`
  type Query { a: A, b: String, c: String }
  type A { a: A, n: Int }
`);

function measure(source: string) {
  const doc = parse(source);
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of doc.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const op = doc.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION) as OperationDefinitionNode;
  return measureOperation(op, fragments);
}

describe("operation measure", () => {
  const cases: Array<[string, string, Partial<ReturnType<typeof measure>>]> = [
    ["a flat query", "{ b c }", { depth: 1, rootFields: 2, aliases: 0, directives: 0 }],
    ["nested fields", "{ a { a { a { n } } } }", { depth: 4, rootFields: 1 }],
    ["depth through a fragment spread", "{ a { ...F } } fragment F on A { a { a { n } } }", { depth: 4 }],
    ["depth through an inline fragment", "{ a { ... on A { a { n } } } }", { depth: 3 }],
    ["aliases anywhere", "{ x: b y: c a { z: n } }", { aliases: 3 }],
    ["root fields inside a root fragment", "{ ...R } fragment R on Query { b c a { n } }", { rootFields: 3 }],
    ["directives on fields, fragments and the operation", "query Q @skip(if: false) { b @include(if: true) ...F @skip(if: false) } fragment F on Query @include(if: true) { c }", { directives: 4 }],
    ["a fragment cycle without looping", "{ a { ...F } } fragment F on A { a { ...F } }", { depth: 2 }],
  ];
  for (const [name, source, expected] of cases) {
    it(`measures ${name}`, () => {
      const got = measure(source);
      for (const [k, v] of Object.entries(expected)) assert.equal(got[k as keyof typeof got], v, `${k} of ${source}`);
    });
  }
});

describe("operation limits rule", () => {
  const limits = { maxDepth: 3, maxAliases: 2, maxRootFields: 2, maxDirectives: 1, maxTokens: 1000 };
  const codes = (source: string) => validate(schema, parse(source), [operationLimitsRule(limits)]).map((e) => e.extensions.code);

  it("accepts an operation exactly at every limit", () => {
    assert.deepEqual(codes("{ x: a { y: a { n @include(if: true) } } b }"), []);
  });
  it("refuses one level too deep with MAX_DEPTH_EXCEEDED", () => assert.deepEqual(codes("{ a { a { a { n } } } }"), ["MAX_DEPTH_EXCEEDED"]));
  it("refuses one alias too many with MAX_ALIASES_EXCEEDED", () => assert.deepEqual(codes("{ x: b y: c z: b }"), ["MAX_ALIASES_EXCEEDED", "MAX_ROOT_FIELDS_EXCEEDED"]));
  it("refuses one root field too many with MAX_ROOT_FIELDS_EXCEEDED", () => assert.deepEqual(codes("{ a { n } b c }"), ["MAX_ROOT_FIELDS_EXCEEDED"]));
  it("refuses one directive too many with MAX_DIRECTIVES_EXCEEDED", () => assert.deepEqual(codes("{ b @include(if: true) c @skip(if: false) }"), ["MAX_DIRECTIVES_EXCEEDED"]));
  it("reports the limit and the actual value in the error", () => {
    const [error] = validate(schema, parse("{ a { a { a { n } } } }"), [operationLimitsRule(limits)]);
    assert.deepEqual({ limit: error!.extensions.limit, actual: error!.extensions.actual }, { limit: 3, actual: 4 });
  });
});
