/**
 * Apollo Server's `stringifyResult`: compact JSON (pretty-printing costs CPU for no reader), and
 * the `data` of a shared execution (execution/operation-sharing.ts) serialized once for all the
 * requests that share it; each still gets its own `errors` and `extensions`.
 */
import { isSharedData } from "../execution/operation-sharing.ts";

interface ResultFields {
  errors?: unknown;
  data?: unknown;
  extensions?: unknown;
}

const dataJson = new WeakMap<object, string>();

/** Apollo Server passes exactly `{ errors, data, extensions }`, in that order; the output equals `JSON.stringify` of it. */
export function serializeResult(value: ResultFields): string {
  const data = value.data;
  if (!isSharedData(data)) return JSON.stringify(value);
  let json = dataJson.get(data);
  if (json === undefined) {
    json = JSON.stringify(data);
    dataJson.set(data, json);
  }
  let out = "{";
  if (value.errors !== undefined) out += `"errors":${JSON.stringify(value.errors)},`;
  out += `"data":${json}`;
  if (value.extensions !== undefined) out += `,"extensions":${JSON.stringify(value.extensions)}`;
  return `${out}}`;
}
