/**
 * The differential harness: one supergraph of in-process subgraphs, one operation, and both
 * executors (`@apollo/gateway`'s `executeQueryPlan` and ours) run on the same plan against the same
 * subgraph answers. Each fetch is executed by graphql-js against the subgraph's schema and handed to
 * each executor as its own JSON copy; an optional `tamper` rewrites answers the way a faulty
 * subgraph would (a wrong `__typename`, a null at a non-null position, an out-of-range Int).
 * The outcome is compared as canonical JSON of data, errors (message, path, extensions) and
 * extensions.
 */
import { composeServices } from "@apollo/composition";
import { buildOperationContext, executeQueryPlan, type GraphQLDataSource } from "@apollo/gateway";
import { operationFromDocument } from "@apollo/federation-internals";
import { buildSubgraphSchema } from "@apollo/subgraph";
import type { GatewayGraphQLRequestContext } from "@apollo/server-gateway-interface";
import { execute, Kind, parse, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode } from "graphql";
import { createNativeExecute } from "../../gateway/src/executor/native-execute.ts";
import { createLogger } from "../../gateway/src/logging/logger.ts";
import { anonymous, type RequestContext } from "../../gateway/src/server/context.ts";
import { sanitizeForApolloGateway } from "../../gateway/src/private-apis/supergraph-for-apollo-gateway.ts";
import { buildSnapshot, type SupergraphSnapshot } from "../../gateway/src/supergraph/snapshot.ts";
import { canonicalJson } from "../../gateway/src/subgraph/canonical-json.ts";
import { markShared } from "../../gateway/src/subgraph/shared-answers.ts";

/** Frozen all the way down: in strict code (every module) a write into it throws. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

export interface InProcessSubgraph {
  readonly name: string;
  readonly schema: GraphQLSchema;
}

/** A subgraph from SDL and resolvers, built as @apollo/subgraph builds a real one. */
export function subgraph(name: string, typeDefs: string, resolvers: Record<string, unknown>): InProcessSubgraph & { typeDefs: string } {
  return { name, typeDefs, schema: buildSubgraphSchema([{ typeDefs: parse(typeDefs), resolvers: resolvers as never }]) };
}

/** Rewrites one subgraph answer (already a private JSON copy) before an executor sees it. */
export type Tamper = (service: string, body: { data?: unknown; errors?: unknown[] }, request: { query: string; variables?: Record<string, unknown> }) => void;

export interface DifferentialSystem {
  readonly snapshot: SupergraphSnapshot;
  /**
   * Our executor alone, on plans from the given planner: the canonical result and which planner
   * planned it. With `sharedAnswers`, every subgraph answer is one deep-frozen body per distinct
   * request, marked shared as the dedup layer marks one several requests hold, and handed to every
   * run asking the same (a write into it throws).
   */
  runOurs(query: string, options: { planner: "apollo" | "hive-rust"; variables?: Record<string, unknown>; sharedAnswers?: boolean }): Promise<{ ours: string; plannedBy: string | undefined }>;
  run(query: string, options?: { variables?: Record<string, unknown>; operationName?: string; tamper?: Tamper }): Promise<{ apollo: string; ours: string; fetches: { apollo: number; ours: number } }>;
}

export function differentialSystem(subgraphs: ReadonlyArray<InProcessSubgraph & { typeDefs: string }>): DifferentialSystem {
  const composed = composeServices(subgraphs.map((s) => ({ name: s.name, url: `http://127.0.0.1:9/${s.name}`, typeDefs: parse(s.typeDefs) })));
  if (composed.errors) throw new Error(`composition failed: ${composed.errors.map((e) => e.message).join("; ")}`);
  return systemFromSupergraph(composed.supergraphSdl, subgraphs);
}

export function systemFromSupergraph(sdl: string, subgraphs: readonly InProcessSubgraph[]): DifferentialSystem {
  const snapshot = buildSnapshot({ sdl, gatewaySdl: sanitizeForApolloGateway(sdl) });
  const schemas = new Map(subgraphs.map((s) => [s.name, s.schema]));
  const logger = createLogger({ level: "silent" });

  const sharedBodies = new Map<string, object>();
  const sources = (tamper: Tamper | undefined, counter: { n: number }, shared = false) => {
    const byName: Record<string, GraphQLDataSource> = {};
    for (const [name, schema] of schemas) {
      byName[name] = {
        process: async ({ request }) => {
          counter.n++;
          const key = `${name}\n${request.query}\n${canonicalJson(request.variables ?? {})}`;
          const known = shared ? sharedBodies.get(key) : undefined;
          if (known) return known as never;
          const result = await execute({ schema, document: parse(request.query!), variableValues: request.variables ?? {}, operationName: request.operationName ?? undefined });
          const body = JSON.parse(JSON.stringify(result)) as { data?: unknown; errors?: unknown[] };
          tamper?.(name, body, { query: request.query!, variables: request.variables });
          if (shared) {
            markShared(deepFreeze(body));
            sharedBodies.set(key, body);
          }
          return body as never;
        },
      };
    }
    return byName;
  };

  return {
    snapshot,
    async runOurs(query, options) {
      const document = parse(query);
      const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
      const ourSources = sources(undefined, { n: 0 }, options.sharedAnswers === true);
      let plannedBy: string | undefined;
      const native = createNativeExecute({
        service: (_s, name) => ourSources[name],
        fallback: () => Promise.reject(new Error("the native executor handed this operation to the fallback")),
        tracer: undefined,
        planner: options.planner,
        onPrepared: (by) => (plannedBy = by),
      });
      const ours = await native({ snapshot, document, operation, operationName: undefined, queryHash: query, source: query, variables: options.variables ?? {}, context: anonymousContext("differential") });
      return { ours: canonical(ours), plannedBy };
    },
    async run(query, options = {}) {
      const document = parse(query);
      const operation = document.definitions.find(
        (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION && (options.operationName === undefined || d.name?.value === options.operationName),
      )!;
      const variables = options.variables ?? {};
      const context = anonymousContext("differential");

      const apolloCount = { n: 0 };
      const plan = snapshot.planner().buildQueryPlan(operationFromDocument(snapshot.federationApiSchema, document, { operationName: options.operationName }));
      const operationContext = buildOperationContext({ schema: snapshot.apiSchema, operationDocument: document, ...(options.operationName ? { operationName: options.operationName } : {}) });
      const requestContext = {
        request: { query, variables, operationName: options.operationName },
        context,
        logger,
        metrics: {},
        operation,
      } as unknown as GatewayGraphQLRequestContext;
      const apollo = await executeQueryPlan(plan, sources(options.tamper, apolloCount), requestContext, operationContext, snapshot.supergraphSchema, snapshot.federationApiSchema);

      const oursCount = { n: 0 };
      const ourSources = sources(options.tamper, oursCount);
      const native = createNativeExecute({
        service: (_s, name) => ourSources[name],
        fallback: () => {
          throw new Error("the native executor handed this operation to the fallback");
        },
        tracer: undefined,
      });
      const ours = await native({ snapshot, document, operation, operationName: options.operationName, queryHash: query, source: query, variables, context });
      return { apollo: canonical(apollo), ours: canonical(ours), fetches: { apollo: apolloCount.n, ours: oursCount.n } };
    },
  };
}

/** A request context of an anonymous caller, as the executor sees one (logger silent). */
export function anonymousContext(requestId: string): RequestContext {
  return {
    requestId,
    logger: createLogger({ level: "silent" }),
    headers: {},
    clientAddress: "127.0.0.1",
    authorization: undefined,
    signal: new AbortController().signal,
    startedAt: 0,
    principal: anonymous,
  };
}

type ErrorLike = { message: string; path?: unknown; extensions?: unknown };

function errorJson(e: ErrorLike) {
  return { message: e.message, path: e.path ?? null, extensions: e.extensions ?? null };
}

/**
 * Data as JSON in its own key order (the client sees field order), then errors and extensions as
 * canonical JSON (their key order means nothing; list order is kept).
 */
export function canonical(result: { data?: unknown; errors?: readonly unknown[]; extensions?: Record<string, unknown> }): string {
  const extensions = result.extensions
    ? Object.fromEntries(Object.entries(result.extensions).map(([k, v]) => [k, Array.isArray(v) ? v.map((e) => errorJson(e as ErrorLike)) : v]))
    : null;
  const data = result.data === undefined ? '"(undefined)"' : JSON.stringify(result.data);
  return `${data}\n${canonicalJson({ errors: result.errors ? result.errors.map((e) => errorJson(e as ErrorLike)) : null, extensions })}`;
}

export type { DocumentNode };
