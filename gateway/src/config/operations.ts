/**
 * The `operations` section: what a client may send. Limits are checked before planning, each
 * with its own error code on a 400; persisted operations decide which documents may run at all.
 */
import { z } from "zod";
import { redisConnectionSchema } from "./redis.ts";

const limit = z.number().int().positive();

export const operationLimitsSchema = z.strictObject({
  /** Deepest field nesting, fragments expanded. Default 15. */
  maxDepth: limit.default(15),
  /** Aliased fields in one document. Default 30. */
  maxAliases: limit.default(30),
  /** Fields selected at the root of one operation (fragments expanded). Default 20. */
  maxRootFields: limit.default(20),
  /** Directive applications in one document. Default 50. */
  maxDirectives: limit.default(50),
  /**
   * Fields one operation selects with every fragment spread expanded, as execution sees them.
   * Bounds what fragments that spread each other can expand to (2^n for n fragments), which the
   * token limit cannot see. Default 5000.
   */
  maxFields: limit.default(5_000),
  /** Lexical tokens in one document, counted while parsing so a huge document is refused before it is parsed in full. Default 5000. */
  maxTokens: limit.default(5_000),
});

const apqRedisSchema = redisConnectionSchema("gateway:apq:").extend({
  /** How long Redis keeps a registration after it was last written, in seconds. Default one day. */
  ttlSeconds: limit.default(86_400),
});

/** The APQ Redis section from just a URL (REDIS_URL), with the defaults above. */
export const apqRedisFromUrl = (url: string) => apqRedisSchema.parse({ url });

export const persistedOperationsSchema = z.strictObject({
  /** Automatic Persisted Queries (hash-checked registration). Default true. */
  apq: z.boolean().default(true),
  /**
   * A manifest of trusted operations: Apollo's `apollo-persisted-query-manifest` JSON
   * (`{ operations: [{ id, body }] }`) or Relay's `{ "<id>": "<document>" }`.
   */
  manifest: z.string().min(1).optional(),
  /** With a manifest: `safelist` runs only listed operations (by id, or by a body whose hash is listed); `allow` also runs others. Default safelist. */
  mode: z.enum(["safelist", "allow"]).default("safelist"),
  /**
   * Re-read the manifest when the file changes (polled every `manifestPollIntervalMs`); SIGHUP
   * re-reads it either way. A bad file is refused and the manifest in service stays. Default true.
   */
  watchManifest: z.boolean().default(true),
  /** How often the manifest file is polled for changes, in ms. Default 1000. */
  manifestPollIntervalMs: z.number().int().positive().default(1_000),
  /**
   * APQ registrations shared by every replica in Redis (hardening/apq-store.ts); REDIS_URL sets
   * it too. Absent: each process keeps its own, and a client may have to register again on another.
   */
  redis: apqRedisSchema.optional(),
});

/** True when clients may register APQ documents: on, and not closed by a safelist manifest. */
export const apqEnabled = (persisted: z.output<typeof persistedOperationsSchema>): boolean =>
  persisted.apq && !(persisted.manifest !== undefined && persisted.mode === "safelist");

export const operationsConfigSchema = z.strictObject({
  limits: operationLimitsSchema.prefault({}),
  persisted: persistedOperationsSchema.prefault({}),
  batching: z
    .strictObject({
      /** Accept a JSON array of operations in one POST. Default false. */
      enabled: z.boolean().default(false),
      /** Operations allowed in one batch. Default 10. */
      maxOperations: limit.default(10),
    })
    .prefault({}),
  /**
   * Share identical in-flight queries: a query identical to one already executing for the same
   * caller (document, operation, variables, verified token, propagated headers) waits for that
   * execution instead of running its own. Each request still passes auth and limits on its own;
   * mutations never share; nothing is cached after the execution ends
   * (gateway/src/execution/operation-sharing.ts). Default true.
   */
  shareInFlight: z.boolean().default(true),
  /**
   * Which query-plan executor runs queries and mutations: `native`, ours (gateway/src/executor/),
   * which hands the plans it does not run (`@defer`, `@fromContext`) to `@apollo/gateway`'s; or
   * `apollo`, `@apollo/gateway`'s for everything. Default native.
   */
  executor: z.enum(["native", "apollo"]).default("native"),
  /**
   * Which query planner plans for the native executor: `apollo` (`@apollo/query-planner`), or
   * `hive-rust` (Hive Router's Rust planner, glibc Linux and macOS only), which plans some shapes
   * Apollo's gets wrong and hands what its translation does not cover to Apollo's. Default apollo.
   */
  planner: z.enum(["apollo", "hive-rust"]).default("apollo"),
  /** Whole-request deadline in ms: past it, subgraph fetches are cancelled and the client gets what is done. Default 30000. */
  requestTimeoutMs: limit.default(30_000),
  /** Introspection; default on in development mode, off in production. */
  introspection: z.boolean().optional(),
  /**
   * REST endpoints of trusted operations: a manifest entry with `endpoint: { method, path }`
   * is also served at that path (gateway/src/rest/), and the OpenAPI document at
   * `<basePath>/openapi.json`. Needs `persisted.manifest`.
   */
  rest: z
    .strictObject({
      /** Default true (only entries that declare an endpoint get one). */
      enabled: z.boolean().default(true),
      /** Every endpoint path starts with it. Default "/api". */
      basePath: z.string().regex(/^\/[\w-]+(\/[\w-]+)*$/, 'a path such as "/api"').default("/api"),
      /** `Cache-Control` of GET answers: they depend on the caller, so private, revalidated with their ETag. Default "private, no-cache". */
      cacheControl: z.string().min(1).default("private, no-cache"),
    })
    .prefault({}),
});

export type OperationsConfig = z.output<typeof operationsConfigSchema>;
export type OperationLimits = z.output<typeof operationLimitsSchema>;
