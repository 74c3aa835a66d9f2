/**
 * Sharing of identical in-flight subgraph fetches (`subgraphs.<name>.dedup`, default on).
 * When a query fetch is identical to one already in flight, it waits for that fetch instead of
 * sending its own: under load, many clients asking the same thing cost one subgraph request.
 * Nothing is cached: the entry is gone the moment the fetch settles.
 *
 * Invariants:
 * - Only `query` fetches of client queries (and subscription events) are shared. Never a
 *   mutation, and never a query fetch in a mutation's plan: it must read that mutation's writes.
 * - The key is everything that can change the answer: the subgraph, the query text, the
 *   operation name, the variables (canonical JSON: key order does not matter) and every header
 *   sent except the per-request ones that cannot (`perRequestHeaders`). So the forwarded
 *   `authorization` and every propagated header are in it: different tokens never share. A
 *   subgraph with `forwardIdentity: false` is sent no token, so its fetches share across callers.
 * - The first waiter's result is shared, errors included. Waiters that never write into the body
 *   (`acceptsSharedAnswer`: our executor, which copies on write) all get the one parsed body,
 *   marked shared (shared-answers.ts) when more than one waited; any other waiter (the fallback
 *   executor writes into what it is given) gets its own parse of the raw text, or a clone, and
 *   never the body the others hold. A fetch nobody else waited for is handed over unmarked.
 * - A waiter that aborts (client gone, deadline) stops waiting alone; the shared fetch is
 *   cancelled only when every waiter has gone.
 * - The fetch runs with the first waiter's request: its context (logger, balancer hash key) is
 *   the one the layers below see.
 */
import { InFlightTable } from "../execution/in-flight.ts";
import { serializeBody } from "./request-body.ts";
import { markShared } from "./shared-answers.ts";
import { SubgraphFetchError, type SubgraphLayer, type SubgraphRequest, type SubgraphResponse } from "./types.ts";

/**
 * Headers that differ per request by construction and never change the answer, so they are
 * not in the key: the request id and trace context (added per fetch), and the client address
 * the gateway sets (informational; a subgraph that answers queries differently per client
 * address turns dedup off for itself).
 */
export const perRequestHeaders: ReadonlySet<string> = new Set(["x-request-id", "traceparent", "tracestate", "x-forwarded-for"]);

/** What the layer reports, for metrics and tests. */
export interface DedupObserver {
  /** A fetch joined one already in flight instead of being sent. */
  shared?(subgraph: string): void;
}

/** One layer per subgraph pipeline: its in-flight table is that subgraph's. */
export function dedupLayer(observer: DedupObserver = {}): SubgraphLayer {
  return (next) => {
    // Per shared fetch: whether several waiters hold its answer.
    const table = new InFlightTable<SubgraphResponse, boolean>();
    return (request) => {
      if (!shareable(request)) return next(request);
      const bodyText = serializeBody(request.body);
      const key = keyOf(request, bodyText);
      if (table.leaderOf(key) !== undefined) observer.shared?.(request.subgraph);
      return table.wait(key, request.context?.requestId ?? "", request.signal, {
        // The fetch runs with the first waiter's request: its context (logger, balancer hash key) is the one the layers below see.
        run: (signal) => next({ ...request, bodyText, signal }),
        settled: (response, { waiting }) => {
          if (waiting > 1) markShared(response.body);
          return waiting > 1;
        },
        own: (response, shared) => ownBody(response, shared, request.acceptsSharedAnswer === true),
        left: (reason) => {
          throw new SubgraphFetchError("aborted", request.subgraph, undefined, `request to subgraph "${request.subgraph}" was cancelled`, undefined, { cause: reason });
        },
      });
    };
  };
}

function shareable(request: SubgraphRequest): boolean {
  return request.operationKind === "query" && request.context !== undefined && request.clientOperationKind !== undefined && request.clientOperationKind !== "mutation";
}

/** The body every accepting waiter holds, untouched by all of them; a waiter that may write gets its own. */
function ownBody(response: SubgraphResponse, shared: boolean, acceptsShared: boolean): SubgraphResponse {
  if (!shared || acceptsShared) return response;
  const body = response.text !== undefined ? (JSON.parse(response.text) as SubgraphResponse["body"]) : structuredClone(response.body);
  return { ...response, body };
}

/** Subgraph, body and the headers that can change the answer, names sorted. */
export function keyOf(request: SubgraphRequest, bodyText: string): string {
  const names = Object.keys(request.headers).sort();
  let key = `${request.subgraph}\n`;
  for (const name of names) {
    if (perRequestHeaders.has(name)) continue;
    key += `${name}:${request.headers[name]}\n`;
  }
  return `${key}\n${bodyText}`;
}
