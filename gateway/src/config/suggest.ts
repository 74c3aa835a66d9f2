/**
 * "Did you mean …?" for an unknown config key: the nearest key the schema allows at that
 * place (a typo: `limits.tiesr` → `limits.tiers`), else a key of that name elsewhere in the
 * schema (a misplaced section: `tiers` at the top → `limits.tiers`). Read from the one zod
 * schema, so suggestions never drift from what is accepted.
 */
import { z } from "zod";

/** Unwraps defaults, optionals, pipes (transforms) and the like down to the schema that has the keys. */
function unwrap(schema: z.ZodType): z.ZodType {
  let current: z.ZodType = schema;
  for (let i = 0; i < 20; i++) {
    if (current instanceof z.ZodDefault || current instanceof z.ZodPrefault || current instanceof z.ZodOptional || current instanceof z.ZodNullable) {
      current = current.unwrap() as z.ZodType;
    } else if (current instanceof z.ZodPipe) {
      current = current.in as z.ZodType;
    } else {
      return current;
    }
  }
  return current;
}

/** The schemas one level below `schema` for the segment `key` (an object's field, a record's or array's element). */
function child(schema: z.ZodType, key: string | number): z.ZodType[] {
  const s = unwrap(schema);
  if (s instanceof z.ZodObject) {
    const field = (s.shape as Record<string, z.ZodType>)[String(key)];
    if (field) return [field];
    const catchall = (s._zod.def as { catchall?: z.ZodType }).catchall;
    return catchall && !(catchall instanceof z.ZodNever) ? [catchall] : [];
  }
  if (s instanceof z.ZodRecord) return [s.valueType as z.ZodType];
  if (s instanceof z.ZodArray) return [s.element as z.ZodType];
  if (s instanceof z.ZodUnion) return (s.options as z.ZodType[]).flatMap((o) => child(o, key));
  return [];
}

function keysOf(schema: z.ZodType): string[] {
  const s = unwrap(schema);
  if (s instanceof z.ZodObject) return Object.keys(s.shape);
  if (s instanceof z.ZodUnion) return (s.options as z.ZodType[]).flatMap(keysOf);
  return [];
}

/** Every fixed key path of the schema (records' and arrays' elements skipped), at most `depth` deep. */
function allPaths(schema: z.ZodType, prefix: string[] = [], depth = 5): string[][] {
  if (depth === 0) return [];
  const out: string[][] = [];
  for (const key of keysOf(schema)) {
    const path = [...prefix, key];
    out.push(path);
    for (const next of child(schema, key)) out.push(...allPaths(next, path, depth - 1));
  }
  return out;
}

/** Edit distance with adjacent transpositions (`tiesr` is one edit from `tiers`), case-insensitive. */
function distance(a: string, b: string): number {
  a = a.toLowerCase();
  b = b.toLowerCase();
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

const closeEnough = (typo: string, candidate: string) => distance(typo, candidate) <= Math.max(1, Math.min(3, Math.floor(candidate.length / 3)));

/** The dotted path to suggest for the unknown `key` found in the object at `path`, if any. */
export function suggestKey(root: z.ZodType, path: ReadonlyArray<PropertyKey>, key: string): string | undefined {
  let schemas: z.ZodType[] = [root];
  for (const segment of path) schemas = schemas.flatMap((s) => child(s, typeof segment === "symbol" ? "" : segment));
  const dotted = (p: ReadonlyArray<PropertyKey>) => p.map(String).join(".");
  const siblings = [...new Set(schemas.flatMap(keysOf))];
  const nearest = siblings.filter((k) => closeEnough(key, k)).sort((a, b) => distance(key, a) - distance(key, b))[0];
  if (nearest !== undefined) return dotted([...path, nearest]);
  // Not a typo here: the same key (or nearly) somewhere else, the shallowest first.
  const elsewhere = allPaths(root)
    .filter((p) => distance(key, p[p.length - 1]!) <= (key.length > 4 ? 1 : 0))
    .sort((a, b) => a.length - b.length)[0];
  return elsewhere ? dotted(elsewhere) : undefined;
}
