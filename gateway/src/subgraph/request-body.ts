/**
 * A subgraph request's body as the bytes sent. Entity fetches carry `representations`, which the
 * executor has already serialized once (to find identical ones): that text is reused here through
 * `withJsonText`, so the largest part of an entity fetch's body is never serialized twice. Every
 * data source still sees a plain array (the text rides beside it, keyed by the array).
 */
import { canonicalJson } from "./canonical-json.ts";

type Body = { readonly query: string; readonly variables?: Record<string, unknown>; readonly operationName?: string };

const texts = new WeakMap<object, string>();

/** Records `text` as the JSON of `value` (which must not change afterwards). */
export function withJsonText<T extends object>(value: T, text: string): T {
  texts.set(value, text);
  return value;
}

function jsonOf(value: unknown): string {
  return (typeof value === "object" && value !== null && texts.get(value)) || JSON.stringify(value);
}

/**
 * The body with the variables in sorted order and canonical JSON (the dedup layer keys on it):
 * `representations` are built by the executor in the plan's selection order, so their plain
 * JSON is already canonical (and several times cheaper); every other variable may come from a
 * client in any key order.
 */
export function serializeBody(body: Body): string {
  return write(body, true);
}

/** The body as plain JSON (no sharing key needed). */
export function plainBody(body: Body): string {
  return write(body, false);
}

function write(body: Body, canonical: boolean): string {
  let out = `{"query":${JSON.stringify(body.query)}`;
  if (body.operationName !== undefined) out += `,"operationName":${JSON.stringify(body.operationName)}`;
  if (body.variables !== undefined) {
    const names = canonical ? Object.keys(body.variables).sort() : Object.keys(body.variables);
    let vars = "";
    for (const name of names) {
      const value = body.variables[name];
      if (value === undefined) continue;
      vars += `${vars ? "," : ""}${JSON.stringify(name)}:${name === "representations" ? jsonOf(value) : canonical ? canonicalJson(value) : JSON.stringify(value)}`;
    }
    out += `,"variables":{${vars}}`;
  }
  return `${out}}`;
}
