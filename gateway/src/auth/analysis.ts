/**
 * The per-operation authorization analysis: walks the operation against the API schema
 * (fragments inlined, inline fragments on interfaces and unions, aliases, `@skip`/`@include`)
 * and, for a decision function over the requirement clauses, produces the filtered document
 * with every unauthorized selection removed, the error paths, and the patch that puts `null`
 * back at each removed response key. Pure: no I/O, no request state, so results are cacheable
 * per (document, decisions).
 *
 * Semantics follow Apollo Router's documented rules: a field needs its own clauses and the
 * type-level clauses of the type it returns; a field on an interface needs the clauses of that
 * field on every implementation; a field returning an abstract type whose selection picks
 * fields on the abstract type itself (not only `__typename` or fragments) needs the type-level
 * clauses of every possible type; a field read on an abstract type (also inside `... on
 * Interface`) needs the type-level clauses of every runtime type it can meet; a fragment on a type with type-level clauses needs them;
 * type-level clauses on a root operation type apply to every root field. A selection set left
 * empty by a removal removes its parent too (without an error of its own). A removed fragment
 * is reported at `... on Type` and its fields are simply absent, as if it did not apply.
 */
import { createHash } from "node:crypto";
import {
  getNamedType,
  isAbstractType,
  isCompositeType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  print,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
} from "graphql";
import { conditionsOf, type Condition } from "./conditions.ts";
import type { AuthRequirements, Clause } from "./requirements.ts";

/** The alias under which the filtered document asks for `__typename` where the patch needs the runtime type. */
export const TYPENAME_ALIAS = "_authzTypename";

/** One removed selection, reported as one error when its conditions hold. */
export interface RemovedPath {
  /** Response keys from the root; `@` marks a list, `... on T` a removed fragment. */
  readonly path: readonly string[];
  /** What the caller may not read: `Type.field`, or the type of a removed fragment. */
  readonly coordinate: string;
  /** Every `@skip`/`@include` on the way to it. */
  readonly conditions: readonly Condition[];
}

/** Where to put `null` (and where to descend) in one response object. */
export interface PatchNode {
  /** The selection set asks for `__typename` under TYPENAME_ALIAS: read the runtime type from it, then delete it. */
  readonly typename: boolean;
  readonly entries: readonly PatchEntry[];
}

export type PatchEntry =
  | { readonly kind: "null"; readonly key: string; readonly nonNull: boolean; readonly types?: ReadonlySet<string>; readonly conditions: readonly Condition[] }
  | {
      readonly kind: "descend";
      readonly key: string;
      readonly type: GraphQLOutputType;
      readonly types?: ReadonlySet<string>;
      readonly conditions: readonly Condition[];
      readonly child: PatchNode;
    };

export interface FilterResult {
  /** Nothing was removed: the operation runs as sent. */
  readonly unchanged: boolean;
  /** The filtered document: the one operation, fragments inlined. */
  readonly document: DocumentNode;
  readonly operation: OperationDefinitionNode;
  /** False when every root field was removed: nothing is executed. */
  readonly executable: boolean;
  /** Hash of the printed filtered document: the query-plan cache key must differ per filtered shape. */
  readonly queryHash: string;
  readonly removed: readonly RemovedPath[];
  readonly patch: PatchNode;
}

export interface AnalysisInput {
  readonly schema: GraphQLSchema;
  readonly document: DocumentNode;
  readonly operation: OperationDefinitionNode;
  readonly requirements: AuthRequirements;
}

/** What an operation could require: lets the caller evaluate each referenced policy once. */
export interface OperationScan {
  /** False when no selection carries any clause: nothing to enforce. */
  readonly protected: boolean;
  readonly scopes: readonly string[];
  readonly policies: readonly string[];
}

/** Lists the scopes and policies the operation's selections refer to. */
export function scanOperation(input: AnalysisInput): OperationScan {
  const scopes = new Set<string>();
  const policies = new Set<string>();
  let protectedOp = false;
  filterOperation(input, (clause) => {
    protectedOp = true;
    if (clause.kind === "scopes") for (const set of clause.anyOf) for (const s of set) scopes.add(s);
    if (clause.kind === "policy") for (const set of clause.anyOf) for (const p of set) policies.add(p);
    return true;
  });
  return { protected: protectedOp, scopes: [...scopes].sort(), policies: [...policies].sort() };
}

/** Removes every selection whose clauses `allows` rejects. */
export function filterOperation(input: AnalysisInput, allows: (clause: Clause) => boolean): FilterResult {
  const walker = new Walker(input, allows);
  const root = rootType(input.schema, input.operation);
  const result = walker.selections(input.operation.selectionSet.selections, root, walker.runtimeOf(root), [], [], []);
  const operation: OperationDefinitionNode = { ...input.operation, selectionSet: selectionSet(input.operation.selectionSet, result.selections) };
  const document: DocumentNode = { kind: Kind.DOCUMENT, definitions: [operation] };
  const unchanged = walker.removed.length === 0 && result.entries.length === 0;
  return {
    unchanged,
    document,
    operation,
    executable: result.selections.length > 0,
    queryHash: unchanged ? "" : createHash("sha256").update(print(document)).digest("hex"),
    removed: walker.removed,
    patch: { typename: false, entries: result.entries },
  };
}

interface Level {
  selections: SelectionNode[];
  entries: PatchEntry[];
}

class Walker {
  readonly removed: RemovedPath[] = [];
  private readonly fragments = new Map<string, FragmentDefinitionNode>();

  constructor(
    private readonly input: AnalysisInput,
    private readonly allows: (clause: Clause) => boolean,
  ) {
    for (const def of input.document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) this.fragments.set(def.name.value, def);
  }

  /**
   * Filters one selection set. `runtime` is the set of runtime types it can meet (narrowed by
   * enclosing fragments on the same object); `path`/`conditions` lead to it from the root (for
   * errors); `local` are the conditions of enclosing fragments on the same object (for patch entries).
   */
  selections(
    nodes: readonly SelectionNode[],
    parent: GraphQLCompositeType,
    runtime: Runtime,
    path: readonly string[],
    conditions: readonly Condition[],
    local: readonly Condition[],
  ): Level {
    const level: Level = { selections: [], entries: [] };
    for (const node of nodes) {
      switch (node.kind) {
        case Kind.FIELD:
          this.field(node, parent, runtime, path, conditions, local, level);
          break;
        case Kind.INLINE_FRAGMENT:
        case Kind.FRAGMENT_SPREAD: {
          const fragment = node.kind === Kind.INLINE_FRAGMENT ? node : this.fragments.get(node.name.value);
          if (!fragment) break; // validation guarantees it exists
          const typeName = fragment.typeCondition?.name.value;
          const type = typeName ? this.input.schema.getType(typeName) : parent;
          if (!type || !isCompositeType(type)) break;
          const own = conditionsOf(node.directives);
          const narrowed = this.narrow(runtime, type);
          const clauses = typeName ? (this.input.requirements.types.get(typeName) ?? []) : [];
          if (!clauses.every(this.allows)) {
            // The fragment is dropped as if it did not apply: objects of that type keep only the
            // fields selected elsewhere (no nulls, which in non-null positions would wipe out
            // the whole list they sit in).
            this.removed.push({ path: [...path, `... on ${typeName}`], coordinate: typeName!, conditions: [...conditions, ...own] });
            break;
          }
          const inner = this.selections(fragment.selectionSet.selections, type, narrowed, path, [...conditions, ...own], [...local, ...own]);
          level.entries.push(...inner.entries);
          if (inner.selections.length === 0) break;
          level.selections.push({
            kind: Kind.INLINE_FRAGMENT,
            ...(typeName ? { typeCondition: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: typeName } } } : {}),
            directives: node.directives ?? [],
            selectionSet: selectionSet(fragment.selectionSet, inner.selections),
          });
          break;
        }
      }
    }
    return level;
  }

  private field(
    node: FieldNode,
    parent: GraphQLCompositeType,
    runtime: Runtime,
    path: readonly string[],
    conditions: readonly Condition[],
    local: readonly Condition[],
    level: Level,
  ): void {
    const def = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[node.name.value] : undefined;
    if (!def) {
      level.selections.push(node); // __typename and introspection: always allowed
      return;
    }
    const key = node.alias?.value ?? node.name.value;
    const own = conditionsOf(node.directives);
    const fieldPath = [...path, key];
    // Entries need the runtime type only where a fragment narrowed the types this object can have.
    const scope = runtime.types.size === runtime.all ? undefined : runtime.types;
    const nullEntry: PatchEntry = { kind: "null", key, nonNull: isNonNullType(def.type), types: scope, conditions: [...local, ...own] };
    if (!this.fieldClauses(parent, runtime, def, node).every(this.allows)) {
      this.removed.push({ path: fieldPath, coordinate: `${parent.name}.${def.name}`, conditions: [...conditions, ...own] });
      level.entries.push(nullEntry);
      return;
    }
    if (!node.selectionSet) {
      level.selections.push(node);
      return;
    }
    const childType = getNamedType(def.type) as GraphQLCompositeType;
    const childPath = isListType(isNonNullType(def.type) ? def.type.ofType : def.type) ? [...fieldPath, "@"] : fieldPath;
    const inner = this.selections(node.selectionSet.selections, childType, this.runtimeOf(childType), childPath, [...conditions, ...own], []);
    if (inner.selections.length === 0) {
      if (inner.entries.some((e) => e.conditions.length > 0)) {
        // The removed children may be skipped at run time, leaving a legitimately empty object: keep the parent.
        inner.selections.push(typenameSelection());
      } else {
        level.entries.push(nullEntry);
        return;
      }
    }
    const typename = inner.entries.some((e) => e.types !== undefined) || inner.selections.some(isTypenameAlias);
    if (typename && !inner.selections.some(isTypenameAlias)) inner.selections.push(typenameSelection());
    // Always the rebuilt selection set: fragment spreads below were inlined and the filtered document carries no fragment definitions.
    level.selections.push({ ...node, selectionSet: selectionSet(node.selectionSet, inner.selections) });
    if (inner.entries.length > 0 || typename) {
      level.entries.push({ kind: "descend", key, type: def.type, types: scope, conditions: [...local, ...own], child: { typename, entries: inner.entries } });
    }
  }

  private fieldClauses(parent: GraphQLCompositeType, runtime: Runtime, def: GraphQLField<unknown, unknown>, node: FieldNode): Clause[] {
    const { requirements, schema } = this.input;
    const out: Clause[] = [...(requirements.fields.get(`${parent.name}.${def.name}`) ?? [])];
    const named = getNamedType(def.type);
    out.push(...(requirements.types.get(named.name) ?? []));
    if (isAbstractType(parent)) {
      // A field read on an interface reads it on every runtime type the selection can meet: it
      // needs each one's field-level clauses and type-level clauses (so `... on Post { id }`
      // cannot read what `... on PrivatePost { id }` may not).
      for (const name of runtime.types) {
        out.push(...(requirements.fields.get(`${name}.${def.name}`) ?? []));
        out.push(...(requirements.types.get(name) ?? []));
      }
    }
    if (isAbstractType(named) && selectsOwnFields(node)) {
      for (const impl of schema.getPossibleTypes(named)) out.push(...(requirements.types.get(impl.name) ?? []));
    }
    if (parent === rootType(schema, this.input.operation)) out.push(...(requirements.types.get(parent.name) ?? []));
    return out;
  }

  /** The runtime types a selection set on `type` can meet. */
  runtimeOf(type: GraphQLCompositeType): Runtime {
    const types = new Set((isAbstractType(type) ? this.input.schema.getPossibleTypes(type) : [type]).map((t) => t.name));
    return { types, all: types.size };
  }

  /** Narrows the runtime types by a fragment's type condition. */
  private narrow(runtime: Runtime, type: GraphQLCompositeType): Runtime {
    const possible = this.runtimeOf(type).types;
    return { types: new Set([...runtime.types].filter((t) => possible.has(t))), all: runtime.all };
  }
}

/** The runtime types a selection can meet, and how many its object level can meet at all. */
interface Runtime {
  readonly types: ReadonlySet<string>;
  readonly all: number;
}

function rootType(schema: GraphQLSchema, operation: OperationDefinitionNode): GraphQLCompositeType {
  const type = operation.operation === "query" ? schema.getQueryType() : operation.operation === "mutation" ? schema.getMutationType() : schema.getSubscriptionType();
  if (!type) throw new Error(`the schema has no ${operation.operation} type`);
  return type;
}

/** The field selects something on the abstract type itself, not only `__typename` or fragments. */
function selectsOwnFields(node: FieldNode): boolean {
  return node.selectionSet?.selections.some((s) => s.kind === Kind.FIELD && s.name.value !== "__typename") ?? false;
}

function selectionSet(original: SelectionSetNode, selections: readonly SelectionNode[]): SelectionSetNode {
  return { ...original, selections };
}

function typenameSelection(): FieldNode {
  return { kind: Kind.FIELD, alias: { kind: Kind.NAME, value: TYPENAME_ALIAS }, name: { kind: Kind.NAME, value: "__typename" } };
}

function isTypenameAlias(node: SelectionNode): boolean {
  return node.kind === Kind.FIELD && node.alias?.value === TYPENAME_ALIAS;
}
