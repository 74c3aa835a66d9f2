/**
 * A subscription's upstream on a gRPC subgraph: the planned primary operation is run with
 * graphql-js's `subscribe()` against the subgraph's runtime schema, whose Subscription field
 * opens the server stream (runtime.ts); each streamed message becomes one event, shaped as a
 * GraphQL subgraph's WebSocket would send it, and the stream's end completes the subscription.
 * A failed call ends it with the mapped error (NOT_FOUND, FORBIDDEN…), or as unavailable when
 * the service could not be reached or dropped the stream (the upstream hub then reopens it on the
 * next instance). No deadline: a subscription lasts as long as its clients.
 */
import * as grpc from "@grpc/grpc-js";
import { parse, subscribe, type ExecutionResult, type FormattedExecutionResult } from "graphql";
import type { UpstreamSource } from "../subscriptions/upstream.ts";
import type { GrpcRuntime, GrpcStreamState } from "./runtime.ts";
import { failureOf, grpcFieldError } from "./status-mapping.ts";

export interface GrpcStreamRequest {
  readonly runtime: GrpcRuntime;
  /** The instance to stream from, asked when the stream opens. */
  readonly url: () => string;
  readonly query: string;
  readonly variables: Record<string, unknown>;
  readonly operationName: string | undefined;
  /** `Bearer <token>` of the caller the upstream is shared by, if the subgraph sees identity. */
  readonly authorization: string | undefined;
  /** Largest streamed message read (the subgraph's `maxResponseBytes`); grpc-js's default 4 MiB when absent. */
  readonly maxMessageBytes?: number;
}

const format = (result: ExecutionResult): FormattedExecutionResult => ({
  ...(result.errors ? { errors: result.errors.map((e) => e.toJSON()) } : {}),
  data: (result.data ?? null) as Record<string, unknown> | null,
});

export function grpcStreamSource(request: GrpcStreamRequest): UpstreamSource {
  return (sink) => {
    const { runtime } = request;
    const client = runtime.client(request.url(), request.maxMessageBytes === undefined ? {} : { maxReceiveMessageBytes: request.maxMessageBytes });
    const abort = new AbortController();
    const metadata = new grpc.Metadata();
    if (request.authorization) metadata.set("authorization", request.authorization);
    let failed: unknown;
    let method = "subscription";
    const state: GrpcStreamState = {
      subgraph: runtime.graph.name,
      stream: (name, message) => {
        method = name;
        const stream = client.serverStream(name, message, { metadata, signal: abort.signal });
        // Remember the status the stream failed with: graphql-js reports it as a thrown error.
        return (async function* () {
          try {
            yield* stream;
          } catch (error) {
            failed = error;
            throw error;
          }
        })();
      },
    };
    const run = async () => {
      const outcome = await subscribe({
        schema: runtime.schema,
        document: parse(request.query, { noLocation: true }),
        variableValues: request.variables,
        operationName: request.operationName,
        contextValue: state,
      });
      if (!(Symbol.asyncIterator in outcome)) {
        sink.end({ kind: "refused", errors: (format(outcome).errors ?? []) as unknown as Record<string, unknown>[] });
        return;
      }
      for await (const result of outcome) sink.next(format(result));
      sink.end({ kind: "completed" });
    };
    run().catch((error: unknown) => {
      if (abort.signal.aborted) return;
      const cause = failed ?? error;
      const failure = failureOf(cause, false);
      // Down (never connected), answering UNAVAILABLE, or cutting the stream off (CANCELLED from its
      // side, as a shutting-down server does): unavailable, not refusing; the hub may reopen it.
      if (failure && (failure.kind === "connect" || failure.kind === "aborted" || (failure.kind === "status" && failure.status === 503))) {
        sink.end({ kind: "unavailable", reason: "the gRPC service is unavailable" });
      }
      else sink.end({ kind: "refused", errors: [grpcFieldError(cause, runtime.graph.name, method).toJSON() as unknown as Record<string, unknown>] });
    }).finally(() => client.close());
    return () => {
      abort.abort();
    };
  };
}
