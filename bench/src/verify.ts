/**
 * Before any load: every target must return the same `data` for a query. A gateway that is
 * fast because it answers something else is not faster; a mismatch is reported loudly.
 */
import { isDeepStrictEqual } from "node:util";
import { postGraphql } from "./graphql-client.ts";
import type { Target } from "./targets.ts";

export interface Verdict {
  /** `same` as the reference, or why not. */
  status: "same" | "reference" | `MISMATCH: ${string}`;
  responseBytes: number;
}

/** The first path at which two JSON values differ, for a readable mismatch message. */
export function firstDifference(a: unknown, b: unknown, path = "data"): string | undefined {
  if (isDeepStrictEqual(a, b)) return undefined;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) {
    return `${path}: ${JSON.stringify(a)?.slice(0, 80)} vs ${JSON.stringify(b)?.slice(0, 80)}`;
  }
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) {
    const diff = firstDifference((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], Array.isArray(a) ? `${path}[${key}]` : `${path}.${key}`);
    if (diff) return diff;
  }
  return path;
}

/** Compares every target's `data` with the reference target's (the first in the list). */
export async function verifySameData(targets: Target[], query: string): Promise<Map<string, Verdict>> {
  const verdicts = new Map<string, Verdict>();
  let reference: { name: string; data: unknown } | undefined;
  for (const target of targets) {
    try {
      const reply = await postGraphql(target.url, query, target.headers);
      const errors = reply.body?.errors;
      if (reply.status !== 200 || reply.body?.data == null || (errors && errors.length > 0)) {
        verdicts.set(target.name, { status: `MISMATCH: HTTP ${reply.status}${errors ? `, errors ${JSON.stringify(errors).slice(0, 120)}` : ""}`, responseBytes: reply.bytes });
        continue;
      }
      if (reference === undefined) {
        reference = { name: target.name, data: reply.body.data };
        verdicts.set(target.name, { status: "reference", responseBytes: reply.bytes });
        continue;
      }
      const diff = firstDifference(reference.data, reply.body.data);
      verdicts.set(target.name, { status: diff ? `MISMATCH: vs ${reference.name} at ${diff}` : "same", responseBytes: reply.bytes });
    } catch (e) {
      verdicts.set(target.name, { status: `MISMATCH: request failed: ${e instanceof Error ? e.message : String(e)}`, responseBytes: 0 });
    }
  }
  return verdicts;
}
