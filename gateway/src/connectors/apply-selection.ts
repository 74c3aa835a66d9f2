/**
 * Applies a parsed mapping (selection.ts) to a JSON value: the provider's answer for `selection`,
 * or nothing (just the variables) for `http.body`. Paths through lists map over them, a missing
 * key yields undefined and its output key is left out, as Apollo's runtime does.
 */
import type { PathExpr, Selection } from "./selection.ts";

export interface MappingVariables {
  readonly $args?: Record<string, unknown>;
  readonly $this?: Record<string, unknown>;
  readonly $batch?: readonly Record<string, unknown>[];
  /** The gateway config's `connectors.<subgraph>.config`. */
  readonly $config?: Record<string, unknown>;
}

/** Follows a path from the current value or a variable; lists are mapped over. */
export function readPath(path: PathExpr, current: unknown, vars: MappingVariables): unknown {
  let value: unknown = path.root === "$" ? current : vars[path.root];
  for (const key of path.keys) value = step(value, key);
  return value;
}

function step(value: unknown, key: string): unknown {
  if (Array.isArray(value)) return value.map((v) => step(v, key));
  if (value === null || typeof value !== "object") return undefined;
  return Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;
}

export function applySelection(selection: Selection, current: unknown, vars: MappingVariables): unknown {
  if (selection.kind === "path") {
    const value = readPath(selection.path, current, vars);
    return selection.sub ? applySub(selection.sub, value, vars) : value;
  }
  // A top-level list of fields builds an object even from nothing: a body made of variables only.
  return Array.isArray(current) ? applySub(selection, current, vars) : applyNamed(selection, current, vars);
}

/** A subselection applies to each element of a list, and leaves null and scalars as they are. */
function applySub(selection: Selection, value: unknown, vars: MappingVariables): unknown {
  if (Array.isArray(value)) return value.map((v) => applySub(selection, v, vars));
  if (value === null || value === undefined) return value;
  if (selection.kind === "path") return applySelection(selection, value, vars);
  if (typeof value !== "object") return value;
  return applyNamed(selection, value, vars);
}

function applyNamed(selection: Extract<Selection, { kind: "named" }>, current: unknown, vars: MappingVariables): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const item of selection.items) {
    const value = item.kind === "object" ? applyNamed(item.sub as Extract<Selection, { kind: "named" }>, current, vars) : readPath(item.path, current, vars);
    const mapped = item.kind === "path" && item.sub ? applySub(item.sub, value, vars) : value;
    if (mapped !== undefined) out[item.output] = mapped;
  }
  return out;
}
