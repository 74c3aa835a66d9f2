/**
 * The entities a flatten path reaches: `@` steps into every element of a list, a field name into
 * that field, and `... on A|B` (in Hive's plans) keeps only objects of those types. Semantics are
 * `@apollo/gateway`'s `flattenResultsAtPath` for its paths.
 */
import { ownValue } from "./own.ts";
import { isTypeCondition, matchesTypeCondition, type ResponsePath } from "./subgraph-errors.ts";

export function flatten(value: unknown, path: ResponsePath, index: number): unknown {
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
