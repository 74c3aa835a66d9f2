/**
 * The entities a flatten path reaches: `@` steps into every element of a list, a field name into
 * that field, and `... on A|B` (in Hive's plans) keeps only objects of those types. Semantics are
 * `@apollo/gateway`'s `flattenResultsAtPath` for its paths.
 *
 * What is reached is written into next (an entity fetch's answers merge into it), so every walk
 * steps through `objects` (shared-objects.ts): an object other requests hold is replaced by the
 * tree's own copy on the way, and the entities reached are the tree's own.
 */
import type { SharedObjects } from "./shared-objects.ts";
import { isTypeCondition, matchesTypeCondition, type ResponsePath } from "./subgraph-errors.ts";

export function flatten(value: unknown, path: ResponsePath, index: number, objects: SharedObjects): unknown {
  if (index === 0 && isPlain(path)) return flattenPlain(value, path, objects);
  if (index === path.length || value === undefined || value === null) return value;
  const current = path[index]!;
  if (current === "@") {
    const out: unknown[] = [];
    const list = value as unknown[];
    for (let i = 0; i < list.length; i++) {
      const inner = flatten(objects.element(list, i), path, index + 1, objects);
      if (Array.isArray(inner)) for (let j = 0; j < inner.length; j++) out.push(objects.element(inner, j));
      else out.push(inner);
    }
    return out;
  }
  if (typeof current !== "string") throw new Error(`Unexpected ${typeof current} found in path`);
  if (isTypeCondition(current)) {
    if (!Array.isArray(value)) return matchesTypeCondition(current, value) ? flatten(value, path, index + 1, objects) : undefined;
    const out: unknown[] = [];
    for (let i = 0; i < value.length; i++) {
      const element = objects.element(value, i);
      if (matchesTypeCondition(current, element)) out.push(flatten(element, path, index + 1, objects));
    }
    return out;
  }
  if (Array.isArray(value)) throw new Error(`Unexpected array in result for path element ${current}`);
  return flatten(objects.child(value as object, current), path, index + 1, objects);
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
function flattenPlain(value: unknown, path: ResponsePath, objects: SharedObjects): unknown {
  const reached = reachPlain(value, path, objects);
  return reached instanceof Reached ? reached.list : reached;
}

/** As `flattenPlain`, keeping whether a list was spread at the end when the path has an `@` (a `Reached`); otherwise the value at the path. */
export function reachPlain(value: unknown, path: ResponsePath, objects: SharedObjects): unknown {
  for (let i = 0; i < path.length; i++) {
    if (value === undefined || value === null) return value;
    const step = path[i] as string;
    if (step === "@") {
      const reach = new Reached();
      const list = value as unknown[];
      for (let j = 0; j < list.length; j++) pushReached(objects.element(list, j), path, i + 1, reach, objects);
      return reach;
    }
    if (Array.isArray(value)) throw new Error(`Unexpected array in result for path element ${step}`);
    value = objects.child(value as object, step);
  }
  return value;
}

/**
 * The list a plain path reaches from the list an earlier, shorter path reached (`from` indexes
 * the step after that path; its items are the tree's own). `spread` says whether some element
 * ended on a list that was spread into the result: such a result cannot be extended further
 * (entity-lists.ts).
 */
export function extendPlain(items: readonly unknown[], path: ResponsePath, from: number, objects: SharedObjects): Reached {
  const reach = new Reached();
  for (const item of items) pushReached(item, path, from, reach, objects);
  return reach;
}

export class Reached {
  readonly list: unknown[] = [];
  spread = false;
}

function pushReached(value: unknown, path: ResponsePath, from: number, out: Reached, objects: SharedObjects): void {
  for (let i = from; i < path.length; i++) {
    if (value === undefined || value === null) break;
    const step = path[i] as string;
    if (step === "@") {
      const list = value as unknown[];
      for (let j = 0; j < list.length; j++) pushReached(objects.element(list, j), path, i + 1, out, objects);
      return;
    }
    if (Array.isArray(value)) throw new Error(`Unexpected array in result for path element ${step}`);
    value = objects.child(value as object, step);
  }
  if (Array.isArray(value)) {
    out.spread = true;
    for (let j = 0; j < value.length; j++) out.list.push(objects.element(value, j));
  } else out.list.push(value);
}
