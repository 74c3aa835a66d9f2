/**
 * The entities a flatten path reaches: `@` steps into every element of a list, a field name into
 * that field, and `... on A|B` (in Hive's plans) keeps only objects of those types. Semantics are
 * `@apollo/gateway`'s `flattenResultsAtPath` for its paths.
 */
import { ownValue } from "./own.ts";
import { isTypeCondition, matchesTypeCondition, type ResponsePath } from "./subgraph-errors.ts";

export function flatten(value: unknown, path: ResponsePath, index: number): unknown {
  if (index === 0 && isPlain(path)) return flattenPlain(value, path);
  if (index === path.length || value === undefined || value === null) return value;
  const current = path[index]!;
  if (current === "@") {
    const out: unknown[] = [];
    for (const element of value as unknown[]) {
      const inner = flatten(element, path, index + 1);
      if (Array.isArray(inner)) for (const item of inner) out.push(item);
      else out.push(inner);
    }
    return out;
  }
  if (typeof current !== "string") throw new Error(`Unexpected ${typeof current} found in path`);
  if (isTypeCondition(current)) {
    if (Array.isArray(value)) return value.filter((element) => matchesTypeCondition(current, element)).map((element) => flatten(element, path, index + 1));
    return matchesTypeCondition(current, value) ? flatten(value, path, index + 1) : undefined;
  }
  if (Array.isArray(value)) throw new Error(`Unexpected array in result for path element ${current}`);
  return flatten(ownValue(value as object, current), path, index + 1);
}

const plainPaths = new WeakMap<ResponsePath, boolean>();

/** Only field names and `@` (every path of Apollo's plans): flattened into one list, with no list per level. */
export function isPlain(path: ResponsePath): boolean {
  let plain = plainPaths.get(path);
  if (plain === undefined) {
    plain = path.every((step) => step === "@" || (typeof step === "string" && !isTypeCondition(step)));
    plainPaths.set(path, plain);
  }
  return plain;
}

/** `flatten` for a plain path: what each `@` level would spread into its parent's list is pushed straight into the outermost one. */
function flattenPlain(value: unknown, path: ResponsePath): unknown {
  const reached = reachPlain(value, path);
  return reached instanceof Reached ? reached.list : reached;
}

/** As `flattenPlain`, keeping whether a list was spread at the end when the path has an `@` (a `Reached`); otherwise the value at the path. */
export function reachPlain(value: unknown, path: ResponsePath): unknown {
  for (let i = 0; i < path.length; i++) {
    if (value === undefined || value === null) return value;
    const step = path[i] as string;
    if (step === "@") return extendPlain(value as unknown[], path, i + 1);
    if (Array.isArray(value)) throw new Error(`Unexpected array in result for path element ${step}`);
    value = ownValue(value as object, step);
  }
  return value;
}

/**
 * The list a plain path reaches from the elements of one of its `@` lists (`from` indexes the
 * step after that `@`), or from the list an earlier, shorter path reached (`from` indexes the
 * step after that path). `spread` says whether some element ended on a list that was spread into
 * the result: such a result cannot be extended further (entity-lists.ts).
 */
export function extendPlain(items: readonly unknown[], path: ResponsePath, from: number): Reached {
  const reach = new Reached();
  for (const item of items) pushReached(item, path, from, reach);
  return reach;
}

export class Reached {
  readonly list: unknown[] = [];
  spread = false;
}

function pushReached(value: unknown, path: ResponsePath, from: number, out: Reached): void {
  for (let i = from; i < path.length; i++) {
    if (value === undefined || value === null) break;
    const step = path[i] as string;
    if (step === "@") {
      for (const element of value as unknown[]) pushReached(element, path, i + 1, out);
      return;
    }
    if (Array.isArray(value)) throw new Error(`Unexpected array in result for path element ${step}`);
    value = ownValue(value as object, step);
  }
  if (Array.isArray(value)) {
    out.spread = true;
    for (const item of value) out.list.push(item);
  } else out.list.push(value);
}
