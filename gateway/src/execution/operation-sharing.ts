/**
 * Sharing of identical in-flight client operations (`operations.shareInFlight`, default on).
 * A query identical to one already executing, for the same caller, waits for that execution
 * instead of planning, fetching and merging its own: under load, many clients asking the same
 * thing cost one execution. Nothing is cached: the entry is gone the moment the execution ends.
 *
 * It wraps the execution stage, so every request-level policy has already run for each
 * request on its own: the token was verified, authorization filtered the document (the filtered
 * document has its own queryHash), and the limits charged this request before it gets here.
 *
 * Invariants:
 * - Only client `query` operations are shared; never a mutation (each must run) or a subscription.
 * - The key is everything that can change the answer: the schema, the (filtered) document's hash
 *   and the client's document text, the operation name, the variables (canonical JSON), the
 *   verified token forwarded to the subgraphs and every propagated client header. Different
 *   callers never share.
 * - The execution runs with the first waiter's context, but with a signal of its own that aborts
 *   only when every waiter has gone (client disconnects or deadlines): the leader leaving does
 *   not fail the followers.
 * - A waiter whose own signal aborts stops waiting alone, with its own error.
 * - Every waiter gets its own top-level result object; `data` is shared and marked so (see
 *   `isSharedData`): what would mutate it (the authorization patch) is applied once per data object,
 *   and what reads it (actual cost, serialization) may compute once.
 */
import { GraphQLError } from "graphql";
import { canonicalJson } from "../subgraph/canonical-json.ts";
import { InFlightTable } from "./in-flight.ts";
import { recordSharedExecution } from "../telemetry/request-record.ts";
import type { Execute, ExecutionInput, ExecutionOutput } from "./gateway-executor.ts";

export interface OperationSharingOptions {
  /** Client headers any subgraph receives (`propagateHeaders` of every subgraph): they are in the key. */
  propagatedHeaders: readonly string[];
}

const sharedData = new WeakSet<object>();

/** True for a `data` object handed to more than one request: never mutate it in place twice. */
export function isSharedData(data: unknown): data is object {
  return typeof data === "object" && data !== null && sharedData.has(data);
}

/**
 * Per shared data object, the value a function derived from it: computed by the first request
 * and reused by the others. Only for functions of the data and of what the sharing key fixes
 * (document, variables, caller).
 */
export function oncePerSharedData<T>(): (data: object, compute: () => T) => T {
  const memo = new WeakMap<object, { value: T }>();
  return (data, compute) => {
    if (!sharedData.has(data)) return compute();
    const known = memo.get(data);
    if (known) return known.value;
    const value = compute();
    memo.set(data, { value });
    return value;
  };
}

export function shareOperations(execute: Execute, options: OperationSharingOptions): Execute {
  const table = new InFlightTable<ExecutionOutput, undefined>();
  return (input) => {
    const context = input.context;
    // An incremental answer is a stream one client reads: it is never shared.
    const key = input.operation.operation === "query" && context.signal !== undefined && !input.incremental ? sharingKey(input, options.propagatedHeaders) : undefined;
    if (key === undefined) return execute(input);
    const leader = table.leaderOf(key);
    // Counted and logged through the request record (`sharedWith`, gateway_operations_shared_total).
    if (leader !== undefined) {
      recordSharedExecution(context, leader);
      context.logger.debug({ sharedWith: leader }, "joined an identical execution in flight");
    }
    return table.wait(key, context.requestId, context.signal, {
      run: (signal) => execute({ ...input, context: { ...context, signal } }),
      settled: (result, { joined }) => {
        if (joined > 1 && result.data) sharedData.add(result.data);
        return undefined;
      },
      own: (result) => ({ ...result }),
      left: abandoned,
    });
  };
}

/** What a waiter gets when its own deadline passes or its client leaves before the shared execution ends. */
function abandoned(reason: unknown): ExecutionOutput {
  const deadline = reason instanceof Error && reason.name === "TimeoutError";
  return {
    data: null,
    errors: [
      deadline
        ? new GraphQLError("The request deadline passed before the operation finished", { extensions: { code: "REQUEST_TIMEOUT" } })
        : new GraphQLError("The client closed the request", { extensions: { code: "CLIENT_CLOSED_REQUEST" } }),
    ],
  };
}

/**
 * Schema, document, operation, caller, propagated headers and variables: everything the subgraphs
 * see, and everything that shapes the response around it. The document is named twice: by the
 * hash of what runs (authorization's filtered copy has its own) and by the client's own text,
 * because two documents can filter to the same one (`{ a b }` and `{ a b c }` without b and c)
 * while each needs its own nulls put back.
 */
export function sharingKey(input: ExecutionInput, propagatedHeaders: readonly string[]): string {
  const context = input.context;
  let key = `${input.snapshot.hash}\n${input.queryHash}\n${input.operationName ?? ""}\n${input.source}\n`;
  key += context.principal.kind === "user" ? context.principal.token : "";
  for (const name of propagatedHeaders) {
    const value = context.headers[name];
    if (value !== undefined) key += `\n${name}:${Array.isArray(value) ? value.join(", ") : value}`;
  }
  return `${key}\n\n${canonicalJson(input.variables)}`;
}
