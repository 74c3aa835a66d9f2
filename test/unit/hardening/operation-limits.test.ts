import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parse, Kind, type FragmentDefinitionNode, type OperationDefinitionNode } from "graphql";
import { checkOperationLimits, measureOperation } from "../../../gateway/src/hardening/operation-limits.ts";

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
    ["fields with every spread expanded", "{ ...F ...F } fragment F on Query { b c }", { fields: 4, rootFields: 4 }],
    ["a fan-out of 41 fragments as the 2^40 selections it expands to", fanOut(40), { fields: 2 ** 40, rootFields: 2 ** 40, depth: 1 }],
  ];
  for (const [name, source, expected] of cases) {
    it(`measures ${name}`, () => {
      const got = measure(source);
      for (const [k, v] of Object.entries(expected)) assert.equal(got[k as keyof typeof got], v, `${k} of ${source}`);
    });
  }
});

/** `{ ...Fn }`, each fragment spreading the previous one twice, down to `F0 { __typename }`. */
function fanOut(n: number): string {
  let text = `{ ...F${n} }`;
  for (let i = n; i > 0; i--) text += ` fragment F${i} on Query { ...F${i - 1} ...F${i - 1} }`;
  return `${text} fragment F0 on Query { __typename }`;
}

describe("operation limits", () => {
  const limits = { maxDepth: 3, maxAliases: 2, maxRootFields: 2, maxDirectives: 1, maxFields: 8, maxTokens: 1000 };
  const codes = (source: string) => {
    const violation = checkOperationLimits(parse(source), limits);
    return violation ? [violation.code] : [];
  };

  it("accepts an operation exactly at every limit", () => {
    assert.deepEqual(codes("{ x: a { y: a { n @include(if: true) } } b }"), []);
  });
  it("refuses one level too deep with MAX_DEPTH_EXCEEDED", () => assert.deepEqual(codes("{ a { a { a { n } } } }"), ["MAX_DEPTH_EXCEEDED"]));
  it("refuses one alias too many with MAX_ALIASES_EXCEEDED", () => assert.deepEqual(codes("{ x: b y: c z: b }"), ["MAX_ALIASES_EXCEEDED"]));
  it("refuses one root field too many with MAX_ROOT_FIELDS_EXCEEDED", () => assert.deepEqual(codes("{ a { n } b c }"), ["MAX_ROOT_FIELDS_EXCEEDED"]));
  it("refuses one directive too many with MAX_DIRECTIVES_EXCEEDED", () => assert.deepEqual(codes("{ b @include(if: true) c @skip(if: false) }"), ["MAX_DIRECTIVES_EXCEEDED"]));
  it("accepts fields up to maxFields, fragments expanded", () => assert.deepEqual(codes("{ a { ...F ...F } } fragment F on A { n a { n } }"), []));
  it("refuses a fragment fan-out by the fields it expands to", () => assert.deepEqual(codes("{ a { ...F ...F ...F } } fragment F on A { n a { n } }"), ["MAX_FIELDS_EXCEEDED"]));
  it("reports the limit and the actual value", () => {
    const violation = checkOperationLimits(parse("{ a { a { a { n } } } }"), limits);
    assert.deepEqual({ limit: violation!.limit, actual: violation!.actual }, { limit: 3, actual: 4 });
  });
});
