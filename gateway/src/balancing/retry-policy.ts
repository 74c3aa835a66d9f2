/**
 * Which failed fetches may be sent again, to another instance.
 *
 * - A connection that was never made (`connect`) reached nothing: any operation may go again.
 * - A query may also go again after a reset or a 502/503/504 that carried no GraphQL data
 *   (the transport reports those as `status`, or as `invalid-body` when a proxy answered HTML).
 *   A 502/503/504 whose body has `data` is a real, partial GraphQL answer: it is returned, not
 *   retried. A 500 is the subgraph's own failure and would most likely repeat. A timeout is not
 *   retried: the deadline is spent, and a second wait would double the client's.
 * - A mutation (or subscription) that may have reached the subgraph is never sent twice: it may
 *   have taken effect. Clients repeat payOrder safely with its idempotency key instead.
 */
import { SubgraphFetchError, type OperationKind } from "../subgraph/types.ts";

export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([502, 503, 504]);

export function isRetryable(error: unknown, operationKind: OperationKind): boolean {
  if (!(error instanceof SubgraphFetchError)) return false;
  if (!error.mayHaveReachedSubgraph) return error.kind === "connect";
  if (operationKind !== "query") return false;
  switch (error.kind) {
    case "reset":
      return true;
    case "status":
    case "invalid-body":
      return error.status !== undefined && RETRYABLE_STATUSES.has(error.status);
    case "timeout":
    case "aborted":
    case "connect":
    case "no-instance":
      return false;
  }
}
