/**
 * Whether an entity fetch's answer stays untouched while the plan runs, so the requests sharing
 * one in-flight fetch (subgraph/dedup-layer.ts) may share its parsed body instead of each
 * parsing its own copy.
 *
 * Merging copies an answer's scalar fields into the entities it answers; only an object or a
 * list is placed into the request's data by reference, where later merges (and rewrites) would
 * write into it. So an answer is read-only when every field the fetch selects on its entities is
 * `__typename`, a built-in scalar or an enum, never a list, and the fetch has no rewrites. A
 * custom scalar may be an object, and a named fragment is not looked into: both count as not
 * read-only. The one write left, `__typename` filled in from the representation when an answer
 * lacks it, writes the same value for every request whose representations were identical.
 */
import { getNamedType, getNullableType, isEnumType, isListType, isObjectType, isInterfaceType, isSpecifiedScalarType, Kind, parse, type DocumentNode, type GraphQLSchema, type SelectionSetNode } from "graphql";

export function answerIsReadOnly(schema: GraphQLSchema, operation: DocumentNode | string): boolean {
  const document = typeof operation === "string" ? parse(operation) : operation;
  const definition = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (definition?.kind !== Kind.OPERATION_DEFINITION) return false;
  const entities = definition.selectionSet.selections.find((s) => s.kind === Kind.FIELD && s.name.value === "_entities");
  if (entities?.kind !== Kind.FIELD || !entities.selectionSet) return false;
  return leavesOnly(schema, entities.selectionSet, undefined);
}

function leavesOnly(schema: GraphQLSchema, selectionSet: SelectionSetNode, typeName: string | undefined): boolean {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FRAGMENT_SPREAD) return false;
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      const condition = selection.typeCondition?.name.value ?? typeName;
      if (!leavesOnly(schema, selection.selectionSet, condition)) return false;
      continue;
    }
    if (selection.selectionSet) return false;
    if (selection.name.value === "__typename") continue;
    if (typeName === undefined) return false;
    const parent = schema.getType(typeName);
    if (!isObjectType(parent) && !isInterfaceType(parent)) return false;
    const field = parent.getFields()[selection.name.value];
    if (!field) return false;
    const type = getNullableType(field.type);
    if (isListType(type)) return false;
    const named = getNamedType(type);
    if (!isEnumType(named) && !isSpecifiedScalarType(named)) return false;
  }
  return true;
}
