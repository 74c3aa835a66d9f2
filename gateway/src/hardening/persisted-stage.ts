/**
 * The persisted-operations stage, first to look at the document: which text runs at all.
 * A manifest (`operations.persisted.manifest`) answers ids and, in safelist mode, refuses any
 * text it does not list; Automatic Persisted Queries register a document under its SHA-256 and
 * answer later requests that send only the hash. The same for every transport, so a safelist
 * holds for subscriptions as it does for queries.
 */
import { createHash } from "node:crypto";
import { LruCache } from "../auth/lru.ts";
import type { OperationRequest } from "../pipeline/operation-request.ts";
import { refuse, type Refusal } from "../pipeline/refusal.ts";
import type { ApqCache } from "./apq-store.ts";
import type { PersistedOperations } from "./persisted-operations.ts";

export type SourceOutcome = { readonly kind: "source"; readonly source: string } | Refusal;

export interface PersistedStageOptions {
  /** Trusted operations from a manifest; absent: none. */
  manifest: PersistedOperations | undefined;
  /** Where APQ registrations live; absent: APQ is off. */
  apq: ApqCache | undefined;
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/** An in-process APQ store: bounded, so registrations cannot fill memory. */
export function localApqCache(entries = 10_000): ApqCache {
  const cache = new LruCache<string, string>(entries);
  return {
    get: async (key) => cache.get(key),
    set: async (key, value) => cache.set(key, value),
    delete: async (key) => void cache.delete(key),
  };
}

export function createPersistedStage(options: PersistedStageOptions): (request: OperationRequest) => Promise<SourceOutcome> {
  return async (request) => {
    let query = request.query;
    let apq = request.extensions?.persistedQuery as unknown;
    if (options.manifest) {
      const resolved = options.manifest.apply({ query, documentId: request.documentId, extensions: request.extensions ?? {} });
      if (resolved.kind === "refused") return refuse(resolved.code, resolved.message);
      query = typeof resolved.body.query === "string" ? resolved.body.query : undefined;
      apq = (resolved.body.extensions as Record<string, unknown> | undefined)?.persistedQuery;
    }
    if (apq !== undefined) {
      const fields = (typeof apq === "object" && apq !== null ? apq : {}) as { version?: unknown; sha256Hash?: unknown };
      if (fields.version !== 1 || typeof fields.sha256Hash !== "string") {
        return refuse("BAD_REQUEST", 'Unsupported persisted query: send extensions.persistedQuery as { "version": 1, "sha256Hash": "<hex SHA-256 of the query>" }');
      }
      if (!options.apq) return refuse("PERSISTED_QUERY_NOT_SUPPORTED", "Automatic persisted queries are not accepted here; send the whole query");
      const hash = fields.sha256Hash.toLowerCase();
      if (query === undefined) {
        const known = await options.apq.get(`apq:${hash}`);
        // 200, not 400: the APQ protocol's clients read this code and send the whole query next.
        if (known === undefined) return { ...refuse("PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound"), status: 200 };
        return { kind: "source", source: known };
      }
      if (sha256(query) !== hash) return refuse("PERSISTED_QUERY_HASH_MISMATCH", "The persisted query hash does not match the query's SHA-256");
      await options.apq.set(`apq:${hash}`, query);
      return { kind: "source", source: query };
    }
    if (query === undefined || query.trim() === "") {
      if (request.documentId !== undefined) return refuse("PERSISTED_QUERY_NOT_FOUND", `Persisted operation "${request.documentId.slice(0, 80)}" is not known here; send the whole query`);
      return refuse("BAD_REQUEST", 'Send the GraphQL document in "query"');
    }
    return { kind: "source", source: query };
  };
}
