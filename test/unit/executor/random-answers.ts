/** Generated entity answers for the executor's randomized tests (entity lists, copy on write). */

/** A small deterministic generator (mulberry32), so a failing sequence can be replayed. */
export function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Flatten paths through the shapes `answer` builds (the deep benchmark query's, and a list of tags). */
export const answerPaths = [
  ["users", "@"],
  ["users", "@", "reviews", "@"],
  ["users", "@", "reviews", "@", "product"],
  ["users", "@", "reviews", "@", "product", "reviews", "@"],
  ["users", "@", "reviews", "@", "product", "reviews", "@", "author"],
  ["users", "@", "reviews", "@", "product", "reviews", "@", "author", "reviews", "@", "product"],
  ["users", "@", "reviews", "@", "product", "tags"],
];

/**
 * What a subgraph might answer for an entity at some depth: new lists, nulls, lists of another
 * length, scalars; `tag` makes the elements of `tags` (scalars, or objects later merges write into).
 */
export function answer(next: () => number, depth: number, tag: (name: string) => unknown = (name) => name): Record<string, unknown> {
  const pick = next();
  const list = (n: number) => Array.from({ length: n }, () => (next() < 0.15 ? null : answer(next, depth + 1, tag)));
  if (depth > 4) return { name: `n${Math.floor(next() * 5)}` };
  if (pick < 0.3) return { reviews: list(Math.floor(next() * 3)) };
  if (pick < 0.5) return { product: next() < 0.2 ? null : answer(next, depth + 1, tag), tags: next() < 0.5 ? [tag("a"), tag("b")] : [] };
  if (pick < 0.65) return { author: answer(next, depth + 1, tag) };
  if (pick < 0.75) return { reviews: null };
  return { name: `n${Math.floor(next() * 5)}` };
}
