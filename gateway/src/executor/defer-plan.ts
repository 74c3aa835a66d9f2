/**
 * `@defer` in a compiled plan. The planner (with incremental delivery on) makes a `Defer` node: a
 * primary part (its fetches, and the selection sent in the first payload) and deferred parts,
 * each with the path in the query where its fragment sits, the selection it delivers there, and
 * its own plan (which may itself be a `Defer`, for nested fragments). The selections arrive as
 * text; they are compiled here, once per plan, into response shapes at their path's type.
 */
import { baseType, isCompositeType, parseSelectionSet, type CompositeType, type Operation, type Schema, type SelectionSet } from "@apollo/federation-internals";
import type { DeferNode, PlanNode } from "@apollo/query-planner";
import type { CompiledNode } from "./compiled-plan.ts";
import { compileSelection, type Entry, type RuntimeType, type ShapeSchema } from "./response-shape.ts";

/** Where a deferred fragment sits: response names, and `... on T` type conditions. */
export type QueryPathStep = { readonly field: string } | { readonly type: RuntimeType };

export interface DeferredPart {
  readonly label: string | undefined;
  readonly path: readonly QueryPathStep[];
  /** What this part delivers at `path`; undefined: nothing of its own (only nested parts). */
  readonly entries: readonly Entry[] | undefined;
  /** The type at `path`, for `__typename` and fragments when the data names none. */
  readonly type: RuntimeType;
  /** Its fetches (a plan node), or nested parts (`nested`), or neither when the primary fetched it all. */
  readonly node: CompiledNode | undefined;
  readonly nested: DeferShape | undefined;
}

export interface DeferShape {
  /** The selection of the payload this Defer node's primary part completes, at the parent's path. */
  readonly primaryEntries: readonly Entry[] | undefined;
  readonly primaryNode: CompiledNode | undefined;
  readonly deferred: readonly DeferredPart[];
}

/** Compiles a Defer node found at `basePath` (the root, or a deferred part's query path). */
export function compileDefer(
  node: DeferNode,
  at: CompositeType,
  operation: Operation,
  shapes: ShapeSchema,
  compile: (node: PlanNode) => CompiledNode,
  basePath: readonly string[] = [],
): DeferShape {
  const schema = operation.schema();
  const selection = (type: CompositeType, text: string) =>
    compileSelection(shapes, schema, parseSelectionSet({ parentType: type, source: text, variableDefinitions: operation.variableDefinitions, validate: false }));
  const deferred = node.deferred.map((part) => {
    const { steps, type, fields } = walkQueryPath(schema, operation, part.queryPath, shapes);
    const nested = part.node?.kind === "Defer" ? compileDefer(part.node, type, operation, shapes, compile, part.queryPath) : undefined;
    return {
      part: {
        label: part.label,
        path: steps,
        entries: nested ? nested.primaryEntries : part.subselection !== undefined ? selection(type, part.subselection) : undefined,
        type: shapes.named(type),
        node: nested || !part.node ? undefined : compile(part.node),
        nested,
      },
      skeleton: skeleton(fields.slice(basePath.length)),
    };
  });
  // The first payload must hold the objects the deferred parts are delivered into, even where
  // nothing else of them is selected outside the fragment: `author { ... @defer { name } }` makes
  // `author: {}` there. The planner's subselection leaves such fields out; they are added back.
  const texts = [node.primary.subselection ?? "", ...deferred.map((d) => d.skeleton)].filter((t) => t !== "");
  return {
    primaryEntries: texts.length > 0 ? selection(at, `{ ${texts.map((t) => unbrace(t)).join(" ")} }`) : [],
    primaryNode: node.primary.node ? compile(node.primary.node) : undefined,
    deferred: deferred.map((d) => d.part),
  };
}

/** `a: b { ... on T { c { __typename @skip(if: true) } } }`: the path, selecting nothing but the objects along it. */
function skeleton(fields: readonly string[]): string {
  if (fields.length === 0) return "";
  let text = "__typename @skip(if: true)";
  for (let i = fields.length - 1; i >= 0; i--) text = `${fields[i]} { ${text} }`;
  return text;
}

function unbrace(text: string): string {
  const trimmed = text.trim();
  return trimmed.startsWith("{") && trimmed.endsWith("}") ? trimmed.slice(1, -1) : trimmed;
}

/** The steps of a query path, the type it ends on, and each step as selection text (`alias: field`, `... on T`). */
function walkQueryPath(schema: Schema, operation: Operation, queryPath: readonly string[], shapes: ShapeSchema): { steps: QueryPathStep[]; type: CompositeType; fields: string[] } {
  let type: CompositeType = schema.schemaDefinition.rootType(operation.rootKind)!;
  const steps: QueryPathStep[] = [];
  const fields: string[] = [];
  for (const element of queryPath) {
    if (element.startsWith("... on ")) {
      const named = schema.type(element.slice("... on ".length));
      if (!named || !isCompositeType(named)) throw new Error(`unknown type in deferred path ${queryPath.join("/")}`);
      type = named;
      steps.push({ type: shapes.named(named) });
      fields.push(element);
      continue;
    }
    // The query path names response names; the field behind an alias is found in the operation.
    const fieldName = fieldNameAt(operation, queryPath, steps.length) ?? element;
    const field = type.field(fieldName);
    if (!field) throw new Error(`unknown field ${type.name}.${fieldName} in deferred path ${queryPath.join("/")}`);
    const base = baseType(field.type!);
    if (!isCompositeType(base)) throw new Error(`deferred path ${queryPath.join("/")} ends on a leaf`);
    type = base;
    steps.push({ field: element });
    fields.push(fieldName === element ? element : `${element}: ${fieldName}`);
  }
  return { steps, type, fields };
}

/**
 * The field name behind the response name at `index` of the path (aliases), if the operation says.
 * Fragments, inline or named and nested to any depth, are transparent: a type condition in the
 * path steps into none of them in particular, and a response name means one field at its level.
 */
function fieldNameAt(operation: Operation, queryPath: readonly string[], index: number): string | undefined {
  let sets: SelectionSet[] = [operation.selectionSet];
  for (let i = 0; i <= index; i++) {
    const element = queryPath[i]!;
    if (element.startsWith("... on ")) continue;
    const next: SelectionSet[] = [];
    const found = fieldIn(sets, element, i === index, next);
    if (found !== undefined) return found;
    sets = next;
  }
  return undefined;
}

/** The name of the field answering `responseName` in `sets` when `last`; otherwise its sub-selections go to `next`. */
function fieldIn(sets: readonly SelectionSet[], responseName: string, last: boolean, next: SelectionSet[]): string | undefined {
  for (const set of sets) {
    for (const selection of set.selections()) {
      if (selection.kind !== "FieldSelection") {
        const found = fieldIn([selection.selectionSet], responseName, last, next);
        if (found !== undefined) return found;
        continue;
      }
      if (selection.element.responseName() !== responseName) continue;
      if (last) return selection.element.name;
      if (selection.selectionSet) next.push(selection.selectionSet);
    }
  }
  return undefined;
}
