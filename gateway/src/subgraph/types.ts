/**
 * The subgraph call pipeline. A fetch from the query plan becomes a `SubgraphRequest`; layers
 * wrap the transport as `(next) => call` (undici's interceptor shape), each adding one concern
 * (telemetry, header propagation, timeout, retry, balancing) without knowing about the others.
 */
import type { RequestContext } from "../server/context.ts";

export type OperationKind = "query" | "mutation" | "subscription";

export interface SubgraphRequest {
  /** The subgraph's public name from the supergraph (`orders`). */
  readonly subgraph: string;
  readonly operationKind: OperationKind;
  /**
   * The kind of the client operation this fetch serves; undefined for the gateway's own
   * requests (health checks). A query fetch in a mutation's plan reads what that mutation wrote,
   * so it is never shared with another request's fetch (dedup-layer.ts).
   */
  readonly clientOperationKind?: OperationKind | undefined;
  /** The GraphQL-over-HTTP body. */
  readonly body: {
    readonly query: string;
    readonly variables?: Record<string, unknown>;
    readonly operationName?: string;
  };
  /** `body` already serialized (by the dedup layer, which keys on it); the transport then sends it as is. */
  readonly bodyText?: string;
  /** Headers to send; layers add to it before the transport writes them. */
  readonly headers: Record<string, string>;
  /** The client request this fetch serves; undefined for health checks. */
  readonly context: RequestContext | undefined;
  /** Aborts the fetch (client gone, deadline passed). */
  readonly signal: AbortSignal | undefined;
  /**
   * The caller never writes into the answer (our executor copies on write), so when the fetch is
   * shared it may be handed the one parsed body every such caller holds (shared-answers.ts).
   */
  readonly acceptsSharedAnswer?: boolean;
}

export interface SubgraphResponse {
  readonly status: number;
  /** The parsed GraphQL response body. */
  readonly body: { data?: Record<string, unknown> | null; errors?: ReadonlyArray<Record<string, unknown>>; extensions?: Record<string, unknown> };
  /** The instance that answered, for logs and metrics (never shown to clients). */
  readonly instance: string;
  /**
   * The body as received, when the transport kept it. The query plan's executor mutates the
   * parsed body it is given, so a shared fetch hands every other waiter its own parse of this.
   */
  readonly text?: string;
}

export type SubgraphCall = (request: SubgraphRequest) => Promise<SubgraphResponse>;
export type SubgraphLayer = (next: SubgraphCall) => SubgraphCall;

/** Why a subgraph fetch failed. `mayHaveReachedSubgraph` decides whether a mutation may be retried. */
export type SubgraphFailureKind =
  | "connect" // never connected: safe to retry anything
  | "timeout" // deadline passed
  | "reset" // connection dropped mid-request
  | "status" // an HTTP status that is not a GraphQL response
  | "invalid-body" // not JSON, or not GraphQL-shaped
  | "aborted" // the client went away
  | "no-instance"; // every instance is ejected

export class SubgraphFetchError extends Error {
  override name = "SubgraphFetchError";
  constructor(
    readonly kind: SubgraphFailureKind,
    readonly subgraph: string,
    readonly instance: string | undefined,
    message: string,
    readonly status?: number,
    options?: { cause?: unknown; answer?: SubgraphResponse["body"] },
  ) {
    super(message, options);
    this.answer = options?.answer;
  }

  /**
   * A GraphQL answer to give the client when no retry does better: a connector fetch that saw a
   * 5xx still has field errors with paths, codes and statuses (connectors/sender.ts).
   */
  readonly answer: SubgraphResponse["body"] | undefined;

  /** False only when the request certainly never reached the subgraph. */
  get mayHaveReachedSubgraph(): boolean {
    return this.kind !== "connect" && this.kind !== "no-instance";
  }
}

/** Composes layers so the first in the list is outermost. */
export function composeLayers(layers: readonly SubgraphLayer[], transport: SubgraphCall): SubgraphCall {
  return layers.reduceRight<SubgraphCall>((next, layer) => layer(next), transport);
}
