/**
 * Persisted operations from a manifest. With a manifest a client may send only an operation
 * id (`documentId`, Relay's `doc_id`/`id`, or APQ's `extensions.persistedQuery.sha256Hash`);
 * in safelist mode nothing outside the manifest runs, whatever the client sends.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { ErrorCode } from "../errors/codes.ts";

export type PersistedOutcome =
  | { kind: "ok"; body: Record<string, unknown> }
  | { kind: "refused"; code: ErrorCode; message: string };

export interface PersistedOperations {
  /** Resolves an id to its document and enforces the safelist on one operation body. */
  apply(body: Record<string, unknown>): PersistedOutcome;
  readonly size: number;
}

/** Reads Apollo's `apollo-persisted-query-manifest` or Relay's id→document map. */
export function loadManifest(path: string): Map<string, string> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new Error(`persisted operations manifest ${path}: ${(e as Error).message}`);
  }
  const byId = new Map<string, string>();
  if (raw && typeof raw === "object" && Array.isArray((raw as { operations?: unknown }).operations)) {
    for (const op of (raw as { operations: Array<{ id?: unknown; body?: unknown }> }).operations) {
      if (typeof op.id !== "string" || typeof op.body !== "string") throw new Error(`persisted operations manifest ${path}: every operation needs a string id and body`);
      byId.set(op.id, op.body);
    }
  } else if (raw && typeof raw === "object") {
    for (const [id, body] of Object.entries(raw)) {
      if (typeof body !== "string") throw new Error(`persisted operations manifest ${path}: the value of "${id}" is not a document`);
      byId.set(id, body);
    }
  } else {
    throw new Error(`persisted operations manifest ${path}: expected a JSON object`);
  }
  return byId;
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

export function createPersistedOperations(manifest: Map<string, string>, mode: "safelist" | "allow"): PersistedOperations {
  const listedHashes = new Set([...manifest.values()].map(sha256));
  return {
    size: manifest.size,
    apply(body) {
      const extensions = (body.extensions ?? {}) as { persistedQuery?: { sha256Hash?: unknown } };
      const apqHash = typeof extensions.persistedQuery?.sha256Hash === "string" ? extensions.persistedQuery.sha256Hash : undefined;
      const id = [body.documentId, body.doc_id, body.id].find((v): v is string => typeof v === "string") ?? apqHash;
      const query = typeof body.query === "string" ? body.query : undefined;

      if (query === undefined && id !== undefined) {
        const document = manifest.get(id);
        if (document !== undefined) {
          // The manifest answers the id; APQ's cache must not be consulted.
          const { persistedQuery: _apq, ...otherExtensions } = extensions as Record<string, unknown>;
          return { kind: "ok", body: { ...body, query: document, extensions: otherExtensions } };
        }
        if (mode === "safelist") return { kind: "refused", code: "PERSISTED_QUERY_NOT_FOUND", message: `Persisted operation "${id.slice(0, 80)}" is not in the manifest` };
        return { kind: "ok", body };
      }
      if (mode === "safelist" && query !== undefined && !listedHashes.has(sha256(query))) {
        return { kind: "refused", code: "OPERATION_NOT_IN_SAFELIST", message: "This operation is not in the safelist of persisted operations; send a listed operation or its id" };
      }
      return { kind: "ok", body };
    },
  };
}

export type Resolved = { kind: "ok"; value: unknown } | { kind: "refused"; code: ErrorCode; message: string };

/** Applies the manifest to each operation of a POST body (one object or a batch). */
export function resolvePersistedBody(persisted: PersistedOperations, body: unknown): Resolved {
  const operations = Array.isArray(body) ? body : [body];
  const out: unknown[] = [];
  for (const op of operations) {
    if (op === null || typeof op !== "object") return { kind: "ok", value: body }; // Apollo Server names this fault
    const outcome = persisted.apply(op as Record<string, unknown>);
    if (outcome.kind === "refused") return outcome;
    out.push(outcome.body);
  }
  return { kind: "ok", value: Array.isArray(body) ? out : out[0] };
}

/** The same for a GET: the operation is in the query string. */
export function resolvePersistedSearch(persisted: PersistedOperations, search: string): Resolved {
  const params = new URLSearchParams(search);
  const op: Record<string, unknown> = {};
  for (const key of ["query", "documentId", "doc_id", "id"]) {
    const value = params.get(key);
    if (value !== null) op[key] = value;
  }
  const extensions = params.get("extensions");
  if (extensions) {
    try {
      op.extensions = JSON.parse(extensions) as unknown;
    } catch {
      return { kind: "ok", value: search }; // Apollo Server names this fault
    }
  }
  const outcome = persisted.apply(op);
  if (outcome.kind === "refused") return outcome;
  if (typeof outcome.body.query === "string") params.set("query", outcome.body.query);
  if (outcome.body.extensions !== undefined) params.set("extensions", JSON.stringify(outcome.body.extensions));
  const text = params.toString();
  return { kind: "ok", value: text ? `?${text}` : "" };
}
