/**
 * The fields an operation selects on one object type, the way execution sees them: fragments
 * (named and inline) expanded when their type condition applies, `@skip`/`@include` honoured
 * with the request's variables, and fields merged by response key. Policies that walk
 * operations (cost, authorization) use this so they count exactly what will run.
 */
import {
  Kind,
  isAbstractType,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLObjectType,
  type GraphQLSchema,
  type SelectionSetNode,
  type DirectiveNode,
  type DocumentNode,
  valueFromAST,
  GraphQLBoolean,
} from "graphql";

/** The walk's inputs that stay the same for a whole operation. */
export interface CollectContext {
  readonly schema: GraphQLSchema;
  readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>;
  /** Coerced variable values (defaults applied). */
  readonly variables: Readonly<Record<string, unknown>>;
}

/** Builds the context for one operation of a document. */
export function collectContext(schema: GraphQLSchema, document: DocumentNode, variables: Readonly<Record<string, unknown>>): CollectContext {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  return { schema, fragments, variables };
}

/** Fields selected on `runtimeType` by these selection sets, grouped by response key (alias or name). */
export function collectFields(
  context: CollectContext,
  runtimeType: GraphQLObjectType,
  selectionSets: readonly SelectionSetNode[],
): Map<string, FieldNode[]> {
  const fields = new Map<string, FieldNode[]>();
  const visited = new Set<string>();
  for (const set of selectionSets) collectInto(context, runtimeType, set, fields, visited);
  return fields;
}

/** The selection sets under a group of merged field nodes. */
export function subSelections(nodes: readonly FieldNode[]): SelectionSetNode[] {
  const out: SelectionSetNode[] = [];
  for (const node of nodes) if (node.selectionSet) out.push(node.selectionSet);
  return out;
}

function collectInto(
  context: CollectContext,
  runtimeType: GraphQLObjectType,
  selectionSet: SelectionSetNode,
  fields: Map<string, FieldNode[]>,
  visitedFragments: Set<string>,
): void {
  for (const selection of selectionSet.selections) {
    if (!included(context, selection.directives)) continue;
    switch (selection.kind) {
      case Kind.FIELD: {
        const key = selection.alias?.value ?? selection.name.value;
        const list = fields.get(key);
        if (list) list.push(selection);
        else fields.set(key, [selection]);
        break;
      }
      case Kind.INLINE_FRAGMENT:
        if (!conditionMatches(context, selection.typeCondition?.name.value, runtimeType)) continue;
        collectInto(context, runtimeType, selection.selectionSet, fields, visitedFragments);
        break;
      case Kind.FRAGMENT_SPREAD: {
        const name = selection.name.value;
        if (visitedFragments.has(name)) continue;
        visitedFragments.add(name);
        const fragment = context.fragments.get(name);
        if (!fragment || !conditionMatches(context, fragment.typeCondition.name.value, runtimeType)) continue;
        collectInto(context, runtimeType, fragment.selectionSet, fields, visitedFragments);
        break;
      }
    }
  }
}

function conditionMatches(context: CollectContext, typeName: string | undefined, runtimeType: GraphQLObjectType): boolean {
  if (typeName === undefined || typeName === runtimeType.name) return true;
  const conditionType = context.schema.getType(typeName);
  return conditionType !== undefined && isAbstractType(conditionType) && context.schema.isSubType(conditionType, runtimeType);
}

/** False when `@skip(if: true)` or `@include(if: false)` applies. */
function included(context: CollectContext, directives: readonly DirectiveNode[] | undefined): boolean {
  for (const directive of directives ?? []) {
    const name = directive.name.value;
    if (name !== "skip" && name !== "include") continue;
    const ifArg = directive.arguments?.find((a) => a.name.value === "if");
    const value = ifArg ? valueFromAST(ifArg.value, GraphQLBoolean, context.variables as Record<string, unknown>) : undefined;
    if (name === "skip" && value === true) return false;
    if (name === "include" && value === false) return false;
  }
  return true;
}
