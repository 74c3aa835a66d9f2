/**
 * Must be imported before `@apollo/gateway` is first loaded (it is the first import of
 * gateway.ts). `@apollo/federation-internals` and `@apollo/query-planner` are compiled by tsc
 * to CommonJS whose index re-exports every name through a getter (`__createBinding`), and
 * `@apollo/gateway`'s result shaping calls through those getters for every field of every
 * response: 6% of the gateway's CPU on the deep benchmark query went to that one getter. The
 * index modules are loaded here and their cache entries replaced with plain objects holding the
 * same values, so every later `require` gets data properties.
 *
 * Safe because both packages only re-export functions, classes and constants that are fully
 * assigned once their index has loaded (no export is reassigned later); the values are the
 * same objects, so `instanceof` and identity hold. If the cache entry is already in use (a
 * module imported `@apollo/gateway` first), nothing changes and nothing breaks.
 */
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

for (const name of ["@apollo/federation-internals", "@apollo/query-planner"]) {
  const path = require.resolve(name);
  const exports = require(name) as Record<string, unknown>;
  const cached = require.cache[path];
  if (!cached || cached.exports !== exports) continue;
  const flat: Record<string, unknown> = {};
  for (const key of Object.getOwnPropertyNames(exports)) flat[key] = exports[key];
  cached.exports = Object.freeze(flat);
}
