/**
 * Merging a fetch's answer into the data gathered so far, with `@apollo/gateway`'s `deepMerge`
 * semantics (the differential test holds us to them): objects merge key by key, lists of equal
 * length merge element by element, anything else replaces; `undefined` never overwrites.
 *
 * With `objects` (the tree's shared-objects.ts), nothing another request holds is written into:
 * a held object about to be merged into is copied first, and when the answer itself is shared
 * (`shared`), what it places into the tree is adopted as held.
 */
import { isInheritedName, ownValue, setOwn } from "./own.ts";
import type { SharedObjects } from "./shared-objects.ts";

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function deepMerge(target: Record<string, unknown>, source: unknown, objects?: SharedObjects, shared = false): void {
  if (source === undefined || source === null) return;
  const from = source as Record<string, unknown>;
  for (const key in from) {
    // `for in` over parsed JSON and our own objects sees only own keys (nothing enumerable is inherited).
    const value = from[key];
    if (value === undefined) continue;
    const existing = isInheritedName(key) ? ownValue(target, key) : target[key];
    if (existing && isPlainObject(value)) {
      const into = objects !== undefined && typeof existing === "object" ? objects.child(target, key) : existing;
      deepMerge(into as Record<string, unknown>, value, objects, shared);
    } else if (Array.isArray(value) && Array.isArray(existing) && value.length === existing.length) {
      const list = objects !== undefined ? (objects.child(target, key) as unknown[]) : existing;
      for (let i = 0; i < value.length; i++) {
        const b = value[i];
        if (isPlainObject(list[i]) && isPlainObject(b)) {
          deepMerge((objects !== undefined ? objects.element(list, i) : list[i]) as Record<string, unknown>, b, objects, shared);
        } else {
          list[i] = b;
          if (shared) objects?.adopt(b);
        }
      }
    } else {
      if (key === "__proto__") setOwn(target, key, value);
      else target[key] = value;
      if (shared) objects?.adopt(value);
    }
  }
}
