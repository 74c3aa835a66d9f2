/**
 * A subgraph's errors as the client sees them, with `@apollo/gateway`'s rules: the message kept
 * (or a default naming the subgraph), `serviceName` and a code added to the extensions, and the
 * path rewritten from the fetch's own (`["_entities", 2, "price"]`) to the client's response
 * (`["orders", 0, "items", 1, "price"]`) through the entity's index, or prefixed with the
 * flatten path for a root fetch.
 */
import { ERRORS, errorCodeDef } from "@apollo/federation-internals";
import { GraphQLError, type GraphQLErrorOptions, type GraphQLFormattedError } from "graphql";
import { hasOwn } from "./own.ts";

export type ResponsePath = ReadonlyArray<string | number>;

/**
 * Translates an error path; for an entity fetch (`owners`: the entity index of each representation)
 * hydrates entity paths from the data only when an error needs them.
 */
export function errorPathTranslator(
  owners: readonly number[] | undefined,
  cursorPath: ResponsePath,
  fullResult: unknown,
): (path: ResponsePath | undefined) => Array<string | number> | undefined {
  let hydrated: Array<Array<string | number>> | undefined;
  return (path) => {
    if (owners && typeof path?.[1] === "number") {
      if (!hydrated) {
        hydrated = [];
        hydratePaths([], cursorPath, 0, fullResult, hydrated);
      }
      // The i-th representation belongs to the owners[i]-th entity at the path. (@apollo/gateway
      // takes i as the entity's index, which names the wrong element when entities before it got no
      // representation, as a union's other members do: a divergence we keep, with a test.)
      const entity = owners[path[1]];
      return [...(entity === undefined ? [] : (hydrated[entity] ?? [])), ...path.slice(2)];
    }
    return path ? [...cursorPath.filter((e) => !isTypeCondition(e)), ...path] : undefined;
  };
}

/**
 * A flatten path element that keeps only objects of some types (`... on Book|Film`): Hive's
 * planner puts them in its paths (hive-plans.ts); they are not part of any response path.
 */
export function isTypeCondition(element: string | number): boolean {
  return typeof element === "string" && element.startsWith("... on ");
}

/** Whether an object's `__typename` is one of the types a `... on A|B` path element names. */
export function matchesTypeCondition(element: string, value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  const typename = (value as Record<string, unknown>).__typename;
  return typeof typename === "string" && element.slice("... on ".length).split("|").includes(typename);
}

/** Every concrete path the flatten paths reach in the data, in order (an entity batch's entities). */
export function concretePaths(paths: readonly ResponsePath[], data: unknown): Array<Array<string | number>> {
  const out: Array<Array<string | number>> = [];
  for (const path of paths) hydratePaths([], path, 0, data, out);
  return out;
}

/** Every concrete path the (`@`-bearing) flatten path reaches in the data, in document order. */
function hydratePaths(parent: Array<string | number>, path: ResponsePath, index: number, data: unknown, out: Array<Array<string | number>>): void {
  if (data === null || data === undefined) return;
  if (index === path.length) {
    out.push(parent.slice());
    return;
  }
  const head = path[index]!;
  if (isTypeCondition(head)) {
    if (Array.isArray(data)) {
      for (let i = 0; i < data.length; i++) {
        parent.push(i);
        hydratePaths(parent, path, index, data[i], out);
        parent.pop();
      }
    } else if (matchesTypeCondition(head as string, data)) {
      hydratePaths(parent, path, index + 1, data, out);
    }
    return;
  }
  if (head === "@") {
    if (!Array.isArray(data)) throw new Error("expected array when encountering `@`");
    for (let i = 0; i < data.length; i++) {
      parent.push(i);
      hydratePaths(parent, path, index + 1, data[i], out);
      parent.pop();
    }
  } else if (Array.isArray(data)) {
    for (let i = 0; i < data.length; i++) {
      parent.push(i);
      hydratePaths(parent, path, index, data[i], out);
      parent.pop();
    }
  } else if (typeof head === "string" && typeof data === "object" && hasOwn(data, head)) {
    parent.push(head);
    hydratePaths(parent, path, index + 1, (data as Record<string, unknown>)[head], out);
    parent.pop();
  }
}

export function downstreamError(original: GraphQLFormattedError, serviceName: string, path: Array<string | number> | undefined): GraphQLError {
  const message = original.message || `Error while fetching subquery from service "${serviceName}"`;
  const options: GraphQLErrorOptions = {
    originalError: original as Error,
    path,
    extensions: { ...original.extensions, serviceName },
  };
  const known = errorCodeDef(original);
  // A code we do not know (one a subgraph or our data source chose) is kept as it is.
  if (!known && original.extensions?.code) return new GraphQLError(message, options);
  return (known ?? ERRORS.DOWNSTREAM_SERVICE_ERROR).err(message, options);
}
