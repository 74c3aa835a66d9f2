/**
 * Per-operation limits: depth, aliases, root fields, directives and fields selected, counted
 * with fragments expanded, the way execution sees the operation. The walk is linear in the
 * document: each fragment definition is measured once and its measure reused at every spread
 * (multiplied, never re-walked), so a fan-out of fragments spreading each other twice is counted
 * as the 2^n selections it expands to without visiting them. A fragment cycle contributes
 * nothing here; validation reports it.
 *
 * Runs before graphql-js validation, whose overlap rule is quadratic in the selections: a
 * document over a limit is refused before anything costly looks at it.
 */
import { Kind, type DocumentNode, type FragmentDefinitionNode, type OperationDefinitionNode, type SelectionSetNode } from "graphql";
import type { ErrorCode } from "../errors/codes.ts";
import type { OperationLimits } from "../config/operations.ts";

export interface OperationMeasure {
  depth: number;
  aliases: number;
  rootFields: number;
  directives: number;
  /** Fields selected, every fragment spread expanded (`__typename` included). */
  fields: number;
}

interface SetMeasure {
  depth: number;
  aliases: number;
  directives: number;
  fields: number;
  /** Fields at this level, inline fragments and spreads expanded (the root fields, at the root). */
  topFields: number;
}

const empty: SetMeasure = { depth: 0, aliases: 0, directives: 0, fields: 0, topFields: 0 };

/** Measures one operation of a document, fragments expanded, in time linear in the document. */
export function measureOperation(operation: OperationDefinitionNode, fragments: ReadonlyMap<string, FragmentDefinitionNode>): OperationMeasure {
  const memo = new Map<string, SetMeasure | "measuring">();
  const fragment = (name: string): SetMeasure => {
    const known = memo.get(name);
    if (known === "measuring") return empty; // a cycle: validation refuses the document
    if (known) return known;
    const definition = fragments.get(name);
    if (!definition) return empty;
    memo.set(name, "measuring");
    const inner = measureSet(definition.selectionSet);
    const measured = { ...inner, directives: inner.directives + (definition.directives?.length ?? 0) };
    memo.set(name, measured);
    return measured;
  };
  const measureSet = (set: SelectionSetNode): SetMeasure => {
    const m = { depth: 0, aliases: 0, directives: 0, fields: 0, topFields: 0 };
    for (const selection of set.selections) {
      m.directives += selection.directives?.length ?? 0;
      let inner: SetMeasure;
      switch (selection.kind) {
        case Kind.FIELD: {
          m.fields++;
          m.topFields++;
          if (selection.alias) m.aliases++;
          inner = selection.selectionSet ? measureSet(selection.selectionSet) : empty;
          m.depth = Math.max(m.depth, inner.depth + 1);
          m.aliases += inner.aliases;
          m.directives += inner.directives;
          m.fields += inner.fields;
          continue;
        }
        case Kind.INLINE_FRAGMENT:
          inner = measureSet(selection.selectionSet);
          break;
        case Kind.FRAGMENT_SPREAD:
          inner = fragment(selection.name.value);
          break;
      }
      m.depth = Math.max(m.depth, inner.depth);
      m.aliases += inner.aliases;
      m.directives += inner.directives;
      m.fields += inner.fields;
      m.topFields += inner.topFields;
    }
    return m;
  };
  const root = measureSet(operation.selectionSet);
  return { depth: root.depth, aliases: root.aliases, rootFields: root.topFields, directives: root.directives + (operation.directives?.length ?? 0), fields: root.fields };
}

/** The fragment definitions of a document by name. */
export function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  return fragments;
}

const checks: ReadonlyArray<{ key: keyof OperationMeasure; limit: keyof OperationLimits; code: ErrorCode; what: string }> = [
  { key: "depth", limit: "maxDepth", code: "MAX_DEPTH_EXCEEDED", what: "depth" },
  { key: "aliases", limit: "maxAliases", code: "MAX_ALIASES_EXCEEDED", what: "aliases" },
  { key: "rootFields", limit: "maxRootFields", code: "MAX_ROOT_FIELDS_EXCEEDED", what: "root fields" },
  { key: "directives", limit: "maxDirectives", code: "MAX_DIRECTIVES_EXCEEDED", what: "directives" },
  { key: "fields", limit: "maxFields", code: "MAX_FIELDS_EXCEEDED", what: "fields selected (fragments expanded)" },
];

export interface LimitViolation {
  readonly code: ErrorCode;
  readonly message: string;
  readonly limit: number;
  readonly actual: number;
}

/** The first limit each operation of the document passes, if any; every operation is measured, since any may be the one run. */
export function checkOperationLimits(document: DocumentNode, limits: OperationLimits): LimitViolation | undefined {
  const fragments = fragmentsOf(document);
  for (const def of document.definitions) {
    if (def.kind !== Kind.OPERATION_DEFINITION) continue;
    const measure = measureOperation(def, fragments);
    for (const check of checks) {
      const max = limits[check.limit];
      const actual = measure[check.key];
      if (actual > max) {
        const name = def.name ? ` "${def.name.value}"` : "";
        const shown = Number.isSafeInteger(actual) ? String(actual) : "more than 2^53";
        return { code: check.code, message: `Operation${name} has ${check.what} ${shown}, over the limit of ${max}`, limit: max, actual: Number.isSafeInteger(actual) ? actual : Number.MAX_SAFE_INTEGER };
      }
    }
  }
  return undefined;
}
