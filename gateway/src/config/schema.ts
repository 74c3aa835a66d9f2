/**
 * The gateway's configuration: the one source of truth for its shape, types and defaults.
 * Every section is optional; an empty object is a valid config in which every policy is off
 * and the gateway simply serves its supergraph. Unknown keys are errors (strictObject), so a
 * typo fails at start instead of silently doing nothing.
 */
import { z } from "zod";
import { authConfigSchema } from "./auth.ts";
import { balancingSettingsShape, instancesSchema } from "./balancing.ts";
import { corsConfigSchema } from "./cors.ts";
import { parseAddressRange } from "../server/client-address.ts";
import { limitsConfigSchema } from "./limits.ts";
import { operationsConfigSchema } from "./operations.ts";
import { overrideSchemaOf } from "./overrides.ts";
import { subscriptionsConfigSchema } from "./subscriptions.ts";
import { telemetryConfigSchema } from "./telemetry.ts";
import { reloadGuardSchema, usageConfigSchema } from "./usage.ts";

const port = z.number().int().min(0).max(65535);
export const logLevelSchema = z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]);
const positiveMs = z.number().int().positive();

/** Settings one subgraph's transport may override; `all` in `subgraphs` sets the defaults. */
export const subgraphSettingsSchema = z.strictObject({
  /** Whole-request deadline for one subgraph fetch, in ms. Well under 10 s so a hung instance never holds a client long. */
  timeoutMs: positiveMs.default(5_000),
  /** TCP connect deadline, in ms. */
  connectTimeoutMs: positiveMs.default(1_000),
  /** Keep-alive connections per instance. */
  connections: z.number().int().positive().default(64),
  /**
   * Largest subgraph response body the gateway reads; a larger one fails that fetch (SUBGRAPH_BAD_RESPONSE) instead of filling memory.
   * For a gRPC subgraph it is the channel's receive limit per message (grpc-js's own default is 4 MiB).
   */
  maxResponseBytes: z.number().int().positive().default(33_554_432),
  /** Client headers forwarded to the subgraph, besides the request id and trace context. Nothing else is forwarded. */
  propagateHeaders: z.array(z.string().toLowerCase()).default([]),
  /**
   * Send the verified caller's token to the subgraph (`authorization: Bearer …`). Off for a
   * subgraph whose answers never depend on who asks (a public catalog): it then sees no
   * identity, in fetches and upstream subscriptions alike, and identical fetches of different
   * callers share one request (`dedup`), as do their subscriptions. The
   * gateway's own authorization (`@authenticated`, `@requiresScopes`, `@policy`) applies either way.
   */
  forwardIdentity: z.boolean().default(true),
  /**
   * Share identical in-flight query fetches: a fetch identical to one already in flight (same
   * query, variables, forwarded identity and propagated headers) waits for that one instead of
   * being sent. Never mutations, nothing cached after the fetch ends (gateway/src/subgraph/dedup-layer.ts).
   */
  dedup: z.boolean().default(true),
  ...balancingSettingsShape,
});
export type SubgraphSettings = z.infer<typeof subgraphSettingsSchema>;

/** A subgraph's own entry: only the keys written override `all` (deeply; arrays replace). */
const subgraphOverrideSchema = overrideSchemaOf(
  subgraphSettingsSchema.extend({
    /** Replaces the routing_url from the supergraph (one instance). */
    url: z.url().optional(),
    /** The subgraph's instances; default the routing_url (or `url`) as one instance of weight 1. */
    instances: instancesSchema.optional(),
  }),
).refine((o) => o.url === undefined || o.instances === undefined, { message: "set either url or instances, not both" });
export type SubgraphOverride = z.output<typeof subgraphOverrideSchema>;

export const gatewayConfigSchema = z.strictObject({
  /** `development` turns on Sandbox and detailed errors; `production` turns them off. Defaults from NODE_ENV. */
  mode: z.enum(["development", "production"]).default(
    process.env.NODE_ENV === "production" ? "production" : "development",
  ),
  /**
   * The page a browser gets when it opens the GraphQL URL: `sandbox` (Apollo Sandbox, loaded
   * from Apollo's CDN, its usage telemetry off), `graphiql` (GraphiQL bundled with the gateway
   * and served by it, works offline, sends nothing elsewhere) or `off`. Absent: `sandbox` in
   * development, `off` in production.
   */
  developerPage: z.enum(["sandbox", "graphiql", "off"]).optional(),
  server: z
    .strictObject({
      host: z.string().min(1).default("127.0.0.1"),
      port: port.default(4000),
      /** Largest request body accepted; larger gets 413 before the body is read in full. */
      bodyLimitBytes: z.number().int().positive().default(1_048_576),
      /** How long a request body may take to arrive in full; slower gets 408, so a stalled client cannot hold a request open. */
      bodyTimeoutMs: positiveMs.default(15_000),
      /** How long SIGTERM waits for in-flight requests before closing them. */
      shutdownGraceMs: positiveMs.default(10_000),
      /**
       * On SIGTERM, how long the gateway keeps serving with `/readyz` answering 503 before it
       * closes its listener and drains, so a load balancer polling `/readyz` stops sending to it
       * first and no new request meets a closed port. 0 (default) closes at once: under
       * Kubernetes the preStop delay does this job (deploy/kubernetes/deployment.yaml).
       */
      drainDelayMs: z.number().int().min(0).default(0),
      /** Keep-alive idle timeout for client connections. */
      keepAliveTimeoutMs: positiveMs.default(5_000),
      /**
       * Gateway processes sharing the port (`node:cluster`), so every core serves; 1 runs no
       * cluster. Each worker has its own caches, metrics and, without Redis, its own rate-limit
       * counters (gateway/src/server/cluster.ts). `--workers N` overrides it.
       */
      workers: z.number().int().min(1).max(256).default(1),
      /**
       * How far the JS heap may grow past its live size before a full garbage collection, in
       * percent (100: up to 2× the live heap). 0 keeps V8's own heuristic, which lets a busy
       * process reach about 4×. Lower values bound memory under load for a little CPU
       * (gateway/src/server/heap.ts). Applied by the CLI to the whole process.
       */
      heapGrowthPercent: z.number().int().min(0).max(1000).default(100),
      /**
       * Load balancers and proxies in front of the gateway (IP addresses or CIDR blocks): from
       * these, the client's address is read from `X-Forwarded-For` (server/client-address.ts).
       * Empty: the socket's peer is the client, and the header is ignored.
       */
      trustedProxies: z
        .array(z.string().refine((entry) => parseAddressRange(entry) !== undefined, { message: 'expected an IP address or a CIDR block, e.g. "10.0.0.0/8"' }))
        .default([]),
      /** GraphQL answers of `minBytes` or more are sent brotli- or gzip-compressed to clients that accept it (server/compression.ts). */
      compression: z
        .strictObject({
          enabled: z.boolean().default(true),
          minBytes: z.number().int().min(0).default(1_024),
        })
        .prefault({}),
      /**
       * Refuse GET operations that carry none of the headers a browser cannot add cross-site
       * without a CORS preflight (`apollo-require-preflight`, `x-apollo-operation-name`,
       * `graphql-preflight`): a page on another site could otherwise make a visitor's browser run
       * queries with its ambient credentials. POST needs a JSON content type, which always
       * preflights. Default true.
       */
      csrfPrevention: z.boolean().default(true),
      /** Browser origins allowed to call the GraphQL path from another site (config/cors.ts); none by default. */
      cors: corsConfigSchema.prefault({}),
    })
    .prefault({}),
  errors: z
    .strictObject({
      /**
       * Your subgraphs' error codes whose messages are written for clients. In production the
       * gateway replaces the message of any other subgraph error with a generic one (the code
       * stays), so an internal detail never reaches a client by accident.
       */
      clientFacingCodes: z.array(z.string().min(1)).default([]),
    })
    .prefault({}),
  supergraph: z
    .strictObject({
      /** Path of the composed supergraph SDL, relative to the working directory. */
      path: z.string().min(1).default("schema/supergraph.graphql"),
      /**
       * Directories a relative `@grpcService(proto:)` path is looked up in, in order, like protoc's
       * `-I` (gateway/src/grpc/proto-path.ts). Relative entries are resolved against the config
       * file's directory. Absent: the working directory, where the SDL's project-root-relative
       * paths are found under `npm start` and in the image.
       */
      protoDirs: z.array(z.string().min(1)).min(1).optional(),
      /** Reload the supergraph when the file changes. */
      watch: z.boolean().default(true),
      /** How often the file is checked for changes, in ms. */
      pollIntervalMs: positiveMs.default(500),
      /** Keep the old supergraph when a new one would break operations executed recently (gateway/src/config/usage.ts). */
      reloadGuard: reloadGuardSchema.prefault({}),
    })
    .prefault({}),
  subgraphs: z
    .strictObject({
      all: subgraphSettingsSchema.prefault({}),
    })
    .catchall(subgraphOverrideSchema)
    .prefault({}),
  /**
   * `/readyz` answers 200 when this replica can serve: supergraph loaded, listener up, not
   * draining (gateway/src/server/readiness.ts). Subgraph health is reported in its body and in
   * `gateway_subgraph_up`, and does not make the replica unready unless `requireSubgraphs`.
   */
  readiness: z
    .strictObject({
      /** Probe every subgraph with `{ __typename }` for `/readyz`'s detail and `gateway_subgraph_up`. */
      checkSubgraphs: z.boolean().default(true),
      /**
       * Answer 503 while any subgraph does not answer. Off by default: an outage of one subgraph
       * hits every replica alike, and a load balancer would take the whole fleet out while it
       * could still serve the other subgraphs' data.
       */
      requireSubgraphs: z.boolean().default(false),
      /** Deadline for each subgraph's readiness probe, in ms. */
      timeoutMs: positiveMs.default(1_000),
      /** A readiness result is reused for this long, so probes never hammer subgraphs. */
      cacheMs: z.number().int().min(0).default(1_000),
    })
    .refine((r) => !r.requireSubgraphs || r.checkSubgraphs, { message: "requireSubgraphs needs checkSubgraphs: true (the subgraphs must be probed to be required)" })
    .prefault({}),
  logging: z
    .strictObject({
      level: logLevelSchema.default("info"),
    })
    .prefault({}),
  admin: z
    .strictObject({
      /** Serve `GET /admin/upstreams` (instance states as JSON). Default: on in development, off in production. */
      upstreams: z.boolean().optional(),
    })
    .prefault({}),
  /** What clients may send: operation limits, persisted operations, batching, the request deadline (gateway/src/config/operations.ts). */
  operations: operationsConfigSchema.prefault({}),
  /** Token verification and directive enforcement (gateway/src/config/auth.ts). Absent: every caller is anonymous and the directives are not enforced. */
  auth: authConfigSchema.optional(),
  /** Metrics, access log and tracing (gateway/src/config/telemetry.ts). */
  telemetry: telemetryConfigSchema.prefault({}),
  /** Operation cost and rate limits (gateway/src/config/limits.ts). Absent: nothing is estimated or limited. */
  limits: limitsConfigSchema.optional(),
  /** Federated subscriptions over WebSocket and SSE, and their limits (gateway/src/config/subscriptions.ts). */
  subscriptions: subscriptionsConfigSchema.prefault({}),
  /** Recording of the operations clients execute, for schema checks (gateway/src/config/usage.ts). Absent: nothing is recorded. */
  usage: usageConfigSchema.optional(),
  /**
   * Per connector subgraph (a REST service joined with `@source`/`@connect`, gateway/src/connectors/):
   * `config` holds the values its connectors read as `$config.<name>` (an API key from the
   * environment, say), so no secret is written in the schema. Default: none.
   */
  connectors: z.record(z.string(), z.strictObject({ config: z.record(z.string(), z.unknown()).default({}) })).default({}),
});

/** The config as written in a file (defaults not applied). */
export type GatewayConfigInput = z.input<typeof gatewayConfigSchema>;
/** The validated config with every default applied. */
export type GatewayConfig = z.output<typeof gatewayConfigSchema>;
