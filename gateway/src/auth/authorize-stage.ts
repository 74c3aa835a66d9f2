/**
 * The authorization stage: after validation, before cost and planning, it decides which
 * selections the caller may not see (the supergraph's `@authenticated`, `@requiresScopes`,
 * `@policy`). In `reject` mode an operation touching anything unauthorized is refused whole with
 * 403. In `filter` mode the unauthorized selections are removed from the document that runs and
 * put back as `null` with one error each in the answer, except where that cannot give the
 * client what it asked for:
 * - a subscription whose root field is removed: there would be nothing to subscribe to;
 * - a mutation whose removed fields would null a non-null path up to `data`: the mutation would
 *   run and its answer be thrown away (tokens issued, orders placed, unseen), so it is refused
 *   before it runs, naming the fields.
 *
 * The analysis is cached per snapshot, document and decision fingerprint: callers with the same
 * effective rights share it.
 */
import { isListType, isNonNullType, type DocumentNode, type GraphQLFormattedError, type GraphQLOutputType, type OperationDefinitionNode } from "graphql";
import type { PolicyFunction } from "../config/auth.ts";
import type { Logger } from "../logging/logger.ts";
import type { Principal } from "../server/context.ts";
import type { IncomingHttpHeaders } from "node:http";
import type { SupergraphSnapshot } from "../supergraph/snapshot.ts";
import { refuseAll, type Refusal } from "../pipeline/refusal.ts";
import { filterOperation, scanOperation, type FilterResult, type OperationScan, type PatchNode } from "./analysis.ts";
import { conditionsHold } from "./conditions.ts";
import { clauseDecider, decisionFingerprint, evaluatePolicies } from "./decisions.ts";
import { LruCache } from "./lru.ts";
import { applyPatch, unauthorizedErrors } from "./patch.ts";

export interface AuthorizeInput {
  readonly snapshot: SupergraphSnapshot;
  readonly document: DocumentNode;
  readonly operation: OperationDefinitionNode;
  /** Names the document in the caches (the client's text). */
  readonly source: string;
  readonly variables: Readonly<Record<string, unknown>>;
  readonly principal: Principal;
  readonly headers: IncomingHttpHeaders;
  readonly logger: Logger;
}

/** What runs instead of the client's document, and how its answer is completed. */
export interface Filtered {
  readonly document: DocumentNode;
  readonly operation: OperationDefinitionNode;
  /** Names the filtered shape in the query-plan cache. */
  readonly queryHash: string;
  /** False when every root field was removed: nothing is executed. */
  readonly executable: boolean;
  /** Puts the removed fields back as `null` (GraphQL's null propagation included). */
  patch(data: Record<string, unknown> | null | undefined): Record<string, unknown> | null | undefined;
  /** One error per removed path this request's variables did not skip. */
  readonly errors: readonly GraphQLFormattedError[];
}

export type AuthorizationOutcome = { readonly kind: "allowed"; readonly filtered: Filtered | undefined } | Refusal;

export interface AuthorizeStageOptions {
  mode: "filter" | "reject";
  policies: Readonly<Record<string, PolicyFunction>>;
  cacheEntries: number;
}

interface Caches {
  scans: LruCache<string, OperationScan>;
  filters: LruCache<string, FilterResult>;
}

const asIs: AuthorizationOutcome = { kind: "allowed", filtered: undefined };

export function createAuthorizeStage(options: AuthorizeStageOptions): (input: AuthorizeInput) => AuthorizationOutcome | Promise<AuthorizationOutcome> {
  const caches = new WeakMap<SupergraphSnapshot, Caches>();
  const cachesFor = (snapshot: SupergraphSnapshot): Caches => {
    let c = caches.get(snapshot);
    if (!c) caches.set(snapshot, (c = { scans: new LruCache(options.cacheEntries), filters: new LruCache(options.cacheEntries) }));
    return c;
  };

  const decide = (input: AuthorizeInput, scan: OperationScan, documentKey: string, policies: ReadonlyMap<string, boolean>, c: Caches): AuthorizationOutcome => {
    const { principal, operation, variables } = input;
    const filterKey = `${documentKey}\u0000${decisionFingerprint(scan, principal, policies)}`;
    let filter = c.filters.get(filterKey);
    if (!filter) {
      filter = filterOperation(analysisInput(input), clauseDecider(principal, policies));
      c.filters.set(filterKey, filter);
    }
    if (filter.unchanged) return asIs;
    const errors = unauthorizedErrors(filter.removed, variables);
    if (errors.length === 0 && filter.executable) return asIs; // everything removed is skipped by this request's variables
    const refused = (extra: Record<string, unknown> = {}) =>
      refuseAll("UNAUTHORIZED_FIELD_OR_TYPE", errors.length > 0 ? errors.map((e) => ({ ...e, extensions: { ...e.extensions, ...extra } })) : [{ message: "Unauthorized field or type", extensions: { code: "UNAUTHORIZED_FIELD_OR_TYPE", ...extra } }]);
    if (options.mode === "reject") return refused();
    if (operation.operation === "subscription" && (!filter.executable || filter.removed.some((r) => r.path.length === 1))) return refused();
    if (operation.operation === "mutation" && filter.executable && nullsData(filter.patch, variables)) {
      const named = [...new Set(filter.removed.filter((r) => conditionsHold(r.conditions, variables)).map((r) => r.coordinate))].join(", ");
      return refuseAll("UNAUTHORIZED_FIELD_OR_TYPE", [{
        message: `The mutation was not run: this caller may not read ${named}, and without it the answer would be null. Remove it from the selection, or sign in with the rights it needs`,
        extensions: { code: "UNAUTHORIZED_FIELD_OR_TYPE", coordinates: named.split(", ") },
      }]);
    }
    const final = filter;
    return {
      kind: "allowed",
      filtered: {
        document: final.document,
        operation: final.operation,
        queryHash: final.queryHash,
        executable: final.executable,
        patch: (data) => applyPatch(data, final.patch, variables),
        errors,
      },
    };
  };

  return (input) => {
    const requirements = input.snapshot.authRequirements;
    if (requirements.isEmpty) return asIs;
    const c = cachesFor(input.snapshot);
    const documentKey = `${input.operation.name?.value ?? ""}\u0000${input.source}`;
    let scan = c.scans.get(documentKey);
    if (!scan) {
      scan = scanOperation(analysisInput(input));
      c.scans.set(documentKey, scan);
    }
    if (!scan.protected) return asIs;
    const { principal, headers, logger, operation } = input;
    const evaluated = evaluatePolicies(
      scan.policies,
      options.policies,
      { principal, claims: principal.kind === "user" ? principal.claims : {}, headers, operation: { name: operation.name?.value ?? null, type: operation.operation } },
      logger,
    );
    // Await only for asynchronous policies: the common path stays synchronous.
    const known = scan;
    return evaluated instanceof Promise ? evaluated.then((p) => decide(input, known, documentKey, p, c)) : decide(input, known, documentKey, evaluated, c);
  };
}

function analysisInput(input: AuthorizeInput) {
  return { schema: input.snapshot.apiSchema, document: input.document, operation: input.operation, requirements: input.snapshot.authRequirements };
}

/**
 * True when putting the removed fields back as `null` would null `data` itself: some removed
 * field sits at the end of a path of non-null fields (and non-null list items) from the root.
 */
export function nullsData(patch: PatchNode, variables: Readonly<Record<string, unknown>>): boolean {
  for (const entry of patch.entries) {
    if (!conditionsHold(entry.conditions, variables)) continue;
    if (entry.kind === "null") {
      if (entry.nonNull) return true;
    } else if (nonNullThroughLists(entry.type) && nullsData(entry.child, variables)) {
      return true;
    }
  }
  return false;
}

/** Non-null itself and, for lists, every item non-null down to the object. */
function nonNullThroughLists(type: GraphQLOutputType): boolean {
  if (!isNonNullType(type)) return false;
  const inner = type.ofType;
  return isListType(inner) ? nonNullThroughLists(inner.ofType as GraphQLOutputType) : true;
}
