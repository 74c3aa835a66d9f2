/**
 * Puts the removed fields back into the response as `null` (Apollo Router's contract) and
 * applies GraphQL's null propagation: a `null` in a non-null position nulls the nearest
 * nullable parent, up to `data` itself. Also builds the one error per removed path.
 */
import { isListType, isNonNullType, type GraphQLFormattedError, type GraphQLOutputType } from "graphql";
import { TYPENAME_ALIAS, type PatchNode, type RemovedPath } from "./analysis.ts";
import { conditionsHold } from "./conditions.ts";

type Variables = Readonly<Record<string, unknown>>;

/** Patches `data` in place; returns what `data` must become (null when a non-null root field was removed). */
export function applyPatch(data: Record<string, unknown> | null | undefined, patch: PatchNode, variables: Variables): Record<string, unknown> | null | undefined {
  if (data === null || data === undefined) return data;
  return patchObject(data, patch, variables) ? data : null;
}

/** The errors for the removed selections that this request's variables did not skip. */
export function unauthorizedErrors(removed: readonly RemovedPath[], variables: Variables): GraphQLFormattedError[] {
  return removed
    .filter((r) => conditionsHold(r.conditions, variables))
    .map((r) => ({ message: "Unauthorized field or type", path: [...r.path], extensions: { code: "UNAUTHORIZED_FIELD_OR_TYPE" } }));
}

/** False when the object itself must become null (a non-null field in it is null). */
function patchObject(object: Record<string, unknown>, node: PatchNode, variables: Variables): boolean {
  let runtimeType: string | undefined;
  if (node.typename) {
    runtimeType = typeof object[TYPENAME_ALIAS] === "string" ? (object[TYPENAME_ALIAS] as string) : undefined;
    delete object[TYPENAME_ALIAS];
  }
  let valid = true;
  for (const entry of node.entries) {
    if (entry.types && (runtimeType === undefined || !entry.types.has(runtimeType))) continue;
    if (!conditionsHold(entry.conditions, variables)) continue;
    if (entry.kind === "null") {
      // Another, authorized selection of the same response key may have filled it.
      if (!(entry.key in object)) {
        object[entry.key] = null;
        if (entry.nonNull) valid = false;
      } else if (object[entry.key] === null && entry.nonNull) {
        valid = false;
      }
      continue;
    }
    const value = object[entry.key];
    if (value === null || value === undefined) continue;
    if (!patchValue(value, entry.type, entry.child, variables)) {
      object[entry.key] = null;
      if (isNonNullType(entry.type)) valid = false;
    }
  }
  return valid;
}

function patchValue(value: unknown, type: GraphQLOutputType, node: PatchNode, variables: Variables): boolean {
  const nullable = isNonNullType(type) ? type.ofType : type;
  if (isListType(nullable)) {
    if (!Array.isArray(value)) return true;
    const item = nullable.ofType as GraphQLOutputType;
    for (let i = 0; i < value.length; i++) {
      if (value[i] === null || value[i] === undefined) continue;
      if (!patchValue(value[i], item, node, variables)) {
        value[i] = null;
        if (isNonNullType(item)) return false;
      }
    }
    return true;
  }
  if (typeof value !== "object" || value === null) return true;
  return patchObject(value as Record<string, unknown>, node, variables);
}
