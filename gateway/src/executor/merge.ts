/**
 * Merging a fetch's answer into the data gathered so far, with `@apollo/gateway`'s `deepMerge`
 * semantics (the differential test holds us to them): objects merge key by key, lists of equal
 * length merge element by element, anything else replaces; `undefined` never overwrites.
 */
import { isInheritedName, ownValue, setOwn } from "./own.ts";

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function deepMerge(target: Record<string, unknown>, source: unknown): void {
  if (source === undefined || source === null) return;
  const from = source as Record<string, unknown>;
  for (const key in from) {
    // `for in` over parsed JSON and our own objects sees only own keys (nothing enumerable is inherited).
    const value = from[key];
    if (value === undefined) continue;
    const existing = isInheritedName(key) ? ownValue(target, key) : target[key];
    if (existing && isPlainObject(value)) {
      deepMerge(existing as Record<string, unknown>, value);
    } else if (Array.isArray(value) && Array.isArray(existing) && value.length === existing.length) {
      for (let i = 0; i < value.length; i++) {
        const a = existing[i];
        const b = value[i];
        if (isPlainObject(a) && isPlainObject(b)) deepMerge(a, b);
        else existing[i] = b;
      }
    } else if (key === "__proto__") {
      setOwn(target, key, value);
    } else {
      target[key] = value;
    }
  }
}
