/**
 * The per-request telemetry record: what the access-log line and the request metrics are built
 * from when the response finishes. It is opened at the HTTP edge (keyed by the response, so
 * requests answered before Apollo Server still get one) and carried by the `RequestContext`
 * (`context.telemetry`) once that exists, so plugins and subgraph layers reach it through the
 * context they already have, including Apollo Server's per-operation copies of it.
 *
 * Other features only set values: `recordCost` and `recordRateLimit` are their whole API.
 * Every function is a no-op when telemetry did not open a record for the request.
 */
import type { Span } from "@opentelemetry/api";
import type { DocumentNode, OperationDefinitionNode } from "graphql";
import type { RequestContext } from "../server/context.ts";
import type { OperationKind, SubgraphFailureKind } from "../subgraph/types.ts";

/** One subgraph fetch as the access log shows it. */
export interface FetchRecord {
  readonly subgraph: string;
  /** The instance URL that answered (or failed); absent when none was picked. */
  readonly instance: string | undefined;
  /** The subgraph's HTTP status; absent when no response arrived. */
  readonly status: number | undefined;
  readonly ms: number;
  /** Why the fetch failed; absent on success. `unknown`: a non-`SubgraphFetchError` was thrown. */
  readonly error?: SubgraphFailureKind | "unknown";
}

/** `would-reject`: a policy in measure mode that would have rejected. */
export type RateLimitOutcome = "allowed" | "rejected" | "would-reject";

export interface RateLimitDecision {
  /** The configured policy's name (bounded by configuration, used as a label). */
  readonly policy: string;
  readonly outcome: RateLimitOutcome;
  readonly retryAfterSeconds?: number;
  readonly remaining?: number;
}

export interface CostRecord {
  /** The static estimate made before execution. */
  readonly estimated: number;
  /** The cost measured from the response, when the limits feature computes it. */
  readonly actual?: number;
  /** The configured maximum the estimate was checked against. */
  readonly limit?: number;
  readonly outcome?: RateLimitOutcome;
}

export interface RequestRecord {
  /** `performance.now()` when the edge received the request. */
  readonly startedAt: number;
  context: RequestContext | undefined;
  /** Undefined until an operation resolved; null for an anonymous operation. */
  operationName: string | null | undefined;
  operationType: OperationKind | undefined;
  variables: Readonly<Record<string, unknown>> | undefined;
  /** The operation run, for redaction by the arguments each variable feeds. */
  operation: OperationDefinitionNode | undefined;
  document: DocumentNode | undefined;
  /** `extensions.code` of every error the HTTP edge answered with (before Apollo Server). */
  readonly errorCodes: string[];
  /**
   * The GraphQL result sent, read when the response finishes: plugins after telemetry's still add
   * errors to it (authorization's unauthorized fields). `errorCodesOf` combines both.
   */
  result: { readonly errors?: ReadonlyArray<{ readonly extensions?: Readonly<Record<string, unknown>> }> | undefined } | undefined;
  readonly fetches: FetchRecord[];
  cost: CostRecord | undefined;
  readonly rateLimits: RateLimitDecision[];
  /** The request's server span, when tracing is on. */
  span: Span | undefined;
  /** The request id whose execution this request shared (operation sharing); its fetches are on that request's line. */
  sharedWith: string | undefined;
}

const byResponse = new WeakMap<object, RequestRecord>();

/** Opens the record for a request; `response` is the Node `ServerResponse`. */
export function openRecord(response: object, startedAt: number): RequestRecord {
  const record: RequestRecord = {
    startedAt,
    context: undefined,
    operationName: undefined,
    operationType: undefined,
    variables: undefined,
    operation: undefined,
    document: undefined,
    errorCodes: [],
    result: undefined,
    fetches: [],
    cost: undefined,
    rateLimits: [],
    span: undefined,
    sharedWith: undefined,
  };
  byResponse.set(response, record);
  return record;
}

/** The record opened for this response, for the edge to put on the request context. */
export function recordOfResponse(response: object): RequestRecord | undefined {
  return byResponse.get(response);
}

/** Called by the HTTP edge once the request context exists: the access log reads its principal. */
export function bindContext(context: RequestContext): void {
  if (context.telemetry) context.telemetry.context = context;
}

export function recordOf(context: RequestContext | undefined): RequestRecord | undefined {
  return context?.telemetry;
}

/** An error code of a response the HTTP edge answered itself (4xx before Apollo Server). */
export function recordEdgeError(response: object, code: string): void {
  byResponse.get(response)?.errorCodes.push(code);
}

/** The pipeline resolved the operation: the access log, metrics and the span name it. */
export function recordOperation(context: RequestContext, document: DocumentNode, operation: OperationDefinitionNode, variables: Readonly<Record<string, unknown>> | undefined): void {
  const record = context.telemetry;
  if (!record) return;
  record.operationName = operation.name?.value ?? null;
  record.operationType = operation.operation;
  record.variables = variables;
  record.operation = operation;
  record.document = document;
  record.span?.setAttributes({
    "graphql.operation.type": operation.operation,
    ...(operation.name ? { "graphql.operation.name": operation.name.value } : {}),
  });
}

/** The answer as sent: the access log and metrics read its error codes. */
export function recordResult(context: RequestContext, result: RequestRecord["result"]): void {
  if (context.telemetry) context.telemetry.result = result;
}

/** The limits feature's cost decision: the access log shows it, `gateway_operation_cost` observes it. */
export function recordCost(context: RequestContext, cost: CostRecord): void {
  if (context.telemetry) context.telemetry.cost = cost;
}

/** A rate-limit policy's decision: the access log shows it, `gateway_rate_limit_decisions_total` counts it. */
export function recordRateLimit(context: RequestContext, decision: RateLimitDecision): void {
  context.telemetry?.rateLimits.push(decision);
}

/** This request waited for an identical execution already in flight instead of running its own. */
export function recordSharedExecution(context: RequestContext, leaderRequestId: string): void {
  if (!context.telemetry) return;
  context.telemetry.sharedWith = leaderRequestId;
  context.telemetry.span?.setAttribute("gateway.operation.shared_with", leaderRequestId);
}

/** `extensions.code` of every error in the response, in order (`INTERNAL_SERVER_ERROR` when one has none). */
export function errorCodesOf(record: RequestRecord): readonly string[] {
  const errors = record.result?.errors;
  if (!errors || errors.length === 0) return record.errorCodes;
  return [...record.errorCodes, ...errors.map((e) => (typeof e.extensions?.code === "string" ? e.extensions.code : "INTERNAL_SERVER_ERROR"))];
}
