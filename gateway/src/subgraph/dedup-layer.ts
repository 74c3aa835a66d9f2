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
 *   `authorization` and every propagated header are in it: different tokens never share.
 * - The first waiter's result is shared, errors included. The executor mutates the body it is
 *   given, so one waiter gets the parsed body and every other its own parse of the raw text.
 * - A waiter that aborts (client gone, deadline) stops waiting alone; the shared fetch is
 *   cancelled only when every waiter has gone.
 * - The fetch runs with the first waiter's request: its context (logger, balancer hash key) is
 *   the one the layers below see.
 */
import { canonicalJson } from "./canonical-json.ts";
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

interface InFlight {
  readonly promise: Promise<SubgraphResponse>;
  readonly controller: AbortController;
  /** Waiters still waiting; at 0 the fetch is cancelled. */
  waiting: number;
  /** True once a waiter has been handed the parsed body; the others get copies. */
  bodyTaken: boolean;
  /** A copy taken before any waiter could mutate the body, when the transport kept no text. */
  snapshot: SubgraphResponse["body"] | undefined;
}

/** One layer per subgraph pipeline: its in-flight table is that subgraph's. */
export function dedupLayer(observer: DedupObserver = {}): SubgraphLayer {
  return (next) => {
    const inFlight = new Map<string, InFlight>();

    const start = (key: string, request: SubgraphRequest, bodyText: string): InFlight => {
      const controller = new AbortController();
      const entry: InFlight = {
        controller,
        waiting: 0,
        bodyTaken: false,
        snapshot: undefined,
        promise: next({ ...request, bodyText, signal: controller.signal }).then(
          (response) => {
            if (inFlight.get(key) === entry) inFlight.delete(key);
            // Waiters resume after this runs, so the copy is taken before any of them mutates the body.
            if (entry.waiting > 1 && response.text === undefined) entry.snapshot = structuredClone(response.body);
            return response;
          },
          (error: unknown) => {
            if (inFlight.get(key) === entry) inFlight.delete(key);
            throw error;
          },
        ),
      };
      // Every waiter may have left before it settles; the rejection then has no one to reach.
      entry.promise.catch(() => undefined);
      inFlight.set(key, entry);
      return entry;
    };

    const wait = (entry: InFlight, key: string, request: SubgraphRequest): Promise<SubgraphResponse> => {
      entry.waiting++;
      const signal = request.signal;
      return new Promise<SubgraphResponse>((resolve, reject) => {
        const onAbort = () => {
          entry.waiting--;
          reject(new SubgraphFetchError("aborted", request.subgraph, undefined, `request to subgraph "${request.subgraph}" was cancelled`, undefined, { cause: signal?.reason }));
          if (entry.waiting === 0) {
            // Nobody wants the answer any more: free the connection, and let the next caller start afresh.
            if (inFlight.get(key) === entry) inFlight.delete(key);
            entry.controller.abort(signal?.reason);
          }
        };
        signal?.addEventListener("abort", onAbort, { once: true });
        entry.promise.then(
          (response) => {
            signal?.removeEventListener("abort", onAbort);
            if (signal?.aborted) return; // already rejected
            resolve(ownCopy(entry, response));
          },
          (error: unknown) => {
            signal?.removeEventListener("abort", onAbort);
            if (!signal?.aborted) reject(error);
          },
        );
      });
    };

    return (request) => {
      if (!shareable(request)) return next(request);
      if (request.signal?.aborted) {
        return Promise.reject(new SubgraphFetchError("aborted", request.subgraph, undefined, `request to subgraph "${request.subgraph}" was cancelled`, undefined, { cause: request.signal.reason }));
      }
      const bodyText = serializeBody(request.body);
      const key = keyOf(request, bodyText);
      const existing = inFlight.get(key);
      if (existing) observer.shared?.(request.subgraph);
      return wait(existing ?? start(key, request, bodyText), key, request);
    };
  };
}

function shareable(request: SubgraphRequest): boolean {
  return request.operationKind === "query" && request.context !== undefined && request.clientOperationKind !== undefined && request.clientOperationKind !== "mutation";
}

/** The first waiter gets the parsed body; every other waiter a private parse of the same bytes. */
function ownCopy(entry: InFlight, response: SubgraphResponse): SubgraphResponse {
  if (!entry.bodyTaken) {
    entry.bodyTaken = true;
    return response;
  }
  const body = response.text !== undefined ? (JSON.parse(response.text) as SubgraphResponse["body"]) : structuredClone(entry.snapshot ?? response.body);
  return { ...response, body };
}

/**
 * The request body as sent. Entity fetches carry `representations`, built by the executor in
 * the plan's selection order, so plain JSON is already canonical for them (and several times
 * cheaper); every other variable may come from a client in any key order.
 */
export function serializeBody(body: SubgraphRequest["body"]): string {
  let out = `{"query":${JSON.stringify(body.query)}`;
  if (body.operationName !== undefined) out += `,"operationName":${JSON.stringify(body.operationName)}`;
  if (body.variables !== undefined) {
    const names = Object.keys(body.variables).sort();
    let vars = "";
    for (const name of names) {
      const value = body.variables[name];
      if (value === undefined) continue;
      vars += `${vars ? "," : ""}${JSON.stringify(name)}:${name === "representations" ? JSON.stringify(value) : canonicalJson(value)}`;
    }
    out += `,"variables":{${vars}}`;
  }
  return `${out}}`;
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
