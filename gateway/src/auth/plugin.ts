/**
 * The authorization plugin. At `didResolveOperation` (after validation, before the query plan)
 * it decides which selections the caller may not see; in `filter` mode it swaps in the filtered
 * document (and a query hash of its own, because `@apollo/gateway` caches query plans by
 * `queryHash`: reusing the original hash would hand one caller's filtered plan to another), then
 * at `willSendResponse` puts `null` back at each removed path with one error per path. In
 * `reject` mode an operation touching anything unauthorized is refused whole with 403.
 *
 * The document is replaced synchronously unless a policy answers with a promise, so plugins
 * listed after this one see the filtered document in their own `didResolveOperation`.
 */
import { HeaderMap, type ApolloServerPlugin, type GraphQLRequestContextDidResolveOperation } from "@apollo/server";
import { getVariableValues, type DocumentNode, type GraphQLFormattedError, type GraphQLSchema, type OperationDefinitionNode } from "graphql";
import type { PolicyFunction } from "../config/auth.ts";
import type { RequestContext } from "../server/context.ts";
import { filterOperation, scanOperation, type FilterResult, type OperationScan } from "./analysis.ts";
import { clauseDecider, decisionFingerprint, evaluatePolicies } from "./decisions.ts";
import { LruCache } from "./lru.ts";
import { oncePerSharedData } from "../execution/operation-sharing.ts";
import { applyPatch, unauthorizedErrors } from "./patch.ts";
import type { AuthRequirements } from "./requirements.ts";

/** The requirements of one loaded supergraph and the analysis caches that depend on them. */
export class AuthorizationState {
  private schema: GraphQLSchema | undefined;
  private scans: LruCache<string, OperationScan>;
  private filters: LruCache<string, FilterResult>;

  constructor(
    readonly requirements: AuthRequirements,
    private readonly cacheEntries: number,
  ) {
    this.scans = new LruCache(cacheEntries);
    this.filters = new LruCache(cacheEntries);
  }

  /** The caches for this API schema; a different schema (a reload in flight) starts them afresh. */
  cachesFor(schema: GraphQLSchema): { scans: LruCache<string, OperationScan>; filters: LruCache<string, FilterResult> } {
    if (schema !== this.schema) {
      this.schema = schema;
      this.scans = new LruCache(this.cacheEntries);
      this.filters = new LruCache(this.cacheEntries);
    }
    return { scans: this.scans, filters: this.filters };
  }
}

export interface AuthorizationPluginOptions {
  /** The state for the supergraph in service; undefined before the first load. */
  state: () => AuthorizationState | undefined;
  mode: "filter" | "reject";
  policies: Readonly<Record<string, PolicyFunction>>;
}

type Writable = { document: DocumentNode; operation: OperationDefinitionNode; queryHash: string };

export function authorizationPlugin(options: AuthorizationPluginOptions): ApolloServerPlugin<RequestContext> {
  const patchOnce = oncePerSharedData<Record<string, unknown> | null | undefined>();
  return {
    async requestDidStart() {
      let applied: { filter: FilterResult; variables: Record<string, unknown> } | undefined;
      let rejection: GraphQLFormattedError[] | undefined;
      return {
        async didResolveOperation(request: GraphQLRequestContextDidResolveOperation<RequestContext>) {
          const state = options.state();
          const operation = request.operation;
          if (!state || state.requirements.isEmpty || !operation) return;
          const input = { schema: request.schema, document: request.document, operation, requirements: state.requirements };
          const caches = state.cachesFor(request.schema);
          const documentKey = `${request.queryHash}\u0000${request.operationName ?? ""}`;
          let scan = caches.scans.get(documentKey);
          if (!scan) {
            scan = scanOperation(input);
            caches.scans.set(documentKey, scan);
          }
          if (!scan.protected) return;

          const { principal, headers, logger } = request.contextValue;
          const evaluated = evaluatePolicies(
            scan.policies,
            options.policies,
            { principal, claims: principal.kind === "user" ? principal.claims : {}, headers, operation: { name: request.operationName, type: operation.operation } },
            logger,
          );
          // Await only for asynchronous policies, so the common path replaces the document synchronously.
          const policies = evaluated instanceof Promise ? await evaluated : evaluated;
          const filterKey = `${documentKey}\u0000${decisionFingerprint(scan, principal, policies)}`;
          let filter = caches.filters.get(filterKey);
          if (!filter) {
            filter = filterOperation(input, clauseDecider(principal, policies));
            caches.filters.set(filterKey, filter);
          }
          if (filter.unchanged) return;

          const variables = coercedVariables(request.schema, operation, request.request.variables);
          if (options.mode === "reject") {
            const errors = unauthorizedErrors(filter.removed, variables);
            if (errors.length > 0) rejection = errors;
            return;
          }
          const writable = request as unknown as Writable;
          writable.document = filter.document;
          writable.operation = filter.operation;
          writable.queryHash = filter.queryHash;
          applied = { filter, variables };
        },

        async responseForOperation() {
          if (rejection) {
            return { http: { status: 403, headers: new HeaderMap() }, body: { kind: "single", singleResult: { errors: rejection } } };
          }
          if (applied && !applied.filter.executable) {
            // Every root field was removed: nothing to plan or fetch; willSendResponse fills the nulls.
            return { http: { status: undefined, headers: new HeaderMap() }, body: { kind: "single", singleResult: { data: {} } } };
          }
          return null;
        },

        async willSendResponse(request) {
          if (!applied) return;
          const body = request.response.body;
          const result = body.kind === "single" ? body.singleResult : body.initialResult;
          const data = result.data;
          // A shared execution's data is patched once: the same caller's requests share only the same filtered document.
          const { filter, variables } = applied;
          result.data = data ? patchOnce(data, () => applyPatch(data, filter.patch, variables)) : data;
          const errors = unauthorizedErrors(applied.filter.removed, applied.variables);
          if (errors.length > 0) result.errors = [...(result.errors ?? []), ...errors];
        },
      };
    },
  };
}

/** Variable values with defaults applied, for `@skip`/`@include`; invalid input yields none (execution reports it). */
function coercedVariables(schema: GraphQLSchema, operation: OperationDefinitionNode, raw: Record<string, unknown> | undefined): Record<string, unknown> {
  const { coerced } = getVariableValues(schema, operation.variableDefinitions ?? [], raw ?? {});
  return coerced ?? {};
}
