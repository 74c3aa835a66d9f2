/**
 * The transport of one instance of a gRPC subgraph, in the place of the GraphQL transport: the
 * balancer picks an instance and hands it the planned fetch, which is executed here against the
 * gRPC runtime, every RPC going to this instance. So balancing, retries, dedup and telemetry
 * stay the subgraph layers' (as for connectors, connectors/sender.ts). Each call's deadline is
 * what is left of the client request's time (or the subgraph's `timeoutMs`, if sooner); the
 * forwarded identity goes as `authorization` metadata, with the request id and trace context.
 * A fetch that saw UNAVAILABLE, a 5xx-like status or no answer fails as a GraphQL subgraph's
 * fetch would (a `SubgraphFetchError` of the same kind), carrying its GraphQL answer with the
 * field errors, which the client gets if no retry does better.
 */
import * as grpc from "@grpc/grpc-js";
import { executeFetch } from "../subgraph/fetch-documents.ts";
import type { InstanceSender } from "../balancing/instance.ts";
import type { TransportOptions } from "../subgraph/transport.ts";
import { SubgraphFetchError, type SubgraphRequest, type SubgraphResponse } from "../subgraph/types.ts";
import type { GrpcInstanceClient } from "./client.ts";
import type { GrpcFetchState, GrpcRuntime } from "./runtime.ts";
import { failureOf, statusName, type GrpcFailure } from "./status-mapping.ts";

/** The gateway headers that travel as metadata (the identity is `authorization`, set only for a verified caller). */
const METADATA_HEADERS = ["authorization", "x-request-id", "traceparent", "tracestate", "x-gateway-probe"] as const;

/**
 * A propagated client header that may travel as metadata: not a `grpc-` name (reserved by the
 * protocol) nor a `-bin` one (binary by definition, where a header value is text).
 */
const isTextMetadata = (name: string) => !name.startsWith("grpc-") && !name.endsWith("-bin");

/** No answer first (retry may go elsewhere, ejection counts it), then a 5xx-like status, then the rest. */
const worst = (failures: readonly GrpcFailure[]): GrpcFailure | undefined =>
  failures.find((f) => f.kind === "connect") ?? failures.find((f) => f.kind === "status" && f.status !== 500) ?? failures.find((f) => f.kind !== "aborted") ?? failures[0];

export interface GrpcSenderOptions extends TransportOptions {
  /** The whole client request's deadline (`operations.requestTimeoutMs`), counted from its start. */
  requestTimeoutMs: number;
  /** Client headers sent as metadata, as a GraphQL subgraph gets them as headers (the data source copied them). */
  propagateHeaders?: readonly string[];
  now?: () => number;
}

export class GrpcSender implements InstanceSender {
  private client: { runtime: GrpcRuntime; client: GrpcInstanceClient } | undefined;
  private readonly now: () => number;

  constructor(
    private readonly subgraph: string,
    readonly url: string,
    private readonly runtime: () => GrpcRuntime | undefined,
    private readonly options: GrpcSenderOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** The client for the runtime in service; a reload that changed the service builds a new one. */
  private clientFor(runtime: GrpcRuntime): GrpcInstanceClient {
    if (this.client?.runtime !== runtime) {
      this.client?.client.close();
      this.client = { runtime, client: runtime.client(this.url, { maxReceiveMessageBytes: this.options.maxResponseBytes }) };
    }
    return this.client.client;
  }

  async send(request: SubgraphRequest): Promise<SubgraphResponse> {
    const runtime = this.runtime();
    if (!runtime) throw new SubgraphFetchError("invalid-body", this.subgraph, this.url, `no gRPC runtime for "${this.subgraph}" in this supergraph`);
    const client = this.clientFor(runtime);
    // The context's start is monotonic (performance.now()); a gRPC deadline is wall-clock time.
    const remaining = request.context ? request.context.startedAt + this.options.requestTimeoutMs - performance.now() : Infinity;
    const deadline = this.now() + Math.max(0, Math.min(this.options.timeoutMs, remaining));
    // Health checks and readiness probes (no client request): the instance is up when its channel connects.
    if (!request.context) return this.probe(client, deadline);
    const metadata = new grpc.Metadata();
    for (const name of [...METADATA_HEADERS, ...(this.options.propagateHeaders ?? []).filter(isTextMetadata)]) {
      if (request.headers[name] !== undefined) metadata.set(name, request.headers[name]);
    }
    const failures: GrpcFailure[] = [];
    const state: GrpcFetchState = {
      subgraph: this.subgraph,
      loaders: new Map(),
      call: async (method, message) => {
        try {
          return await client.unary(method, message, { deadline, metadata, signal: request.signal });
        } catch (error) {
          const failure = failureOf(error, this.now() >= deadline);
          if (failure) failures.push(failure);
          throw error;
        }
      },
    };
    const body = await executeFetch(runtime.schema, request, state);
    const failure = worst(failures);
    if (failure) {
      const what = failure.status !== undefined ? `failed like HTTP ${failure.status}` : `failed (${failure.kind})`;
      throw new SubgraphFetchError(failure.kind, this.subgraph, this.url, `gRPC subgraph "${this.subgraph}" ${what}`, failure.status, { answer: body });
    }
    return { status: 200, body, instance: this.url };
  }

  private async probe(client: GrpcInstanceClient, deadline: number): Promise<SubgraphResponse> {
    try {
      await client.ready(deadline);
    } catch (error) {
      const code = (error as { code?: number }).code;
      throw new SubgraphFetchError("connect", this.subgraph, this.url, `gRPC subgraph "${this.subgraph}" did not connect${code === undefined ? "" : ` (${statusName(code)})`}`);
    }
    return { status: 200, body: { data: { __typename: "Query" } }, instance: this.url };
  }

  async close(): Promise<void> {
    this.client?.client.close();
    this.client = undefined;
  }
}
