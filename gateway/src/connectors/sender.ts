/**
 * The transport of one instance of a connector subgraph, in the place of the GraphQL transport:
 * the balancer picks an instance and hands it the planned fetch, which is executed here against
 * the connector runtime, every connector calling this instance's base URL. A fetch that saw a
 * 5xx or no answer fails as a GraphQL subgraph's fetch would (a `SubgraphFetchError` of the same
 * kind), so retry on another instance (queries only) and ejection apply unchanged; it carries the
 * GraphQL answer with its field errors, which the client gets if no retry does better.
 */
import { executeFetch } from "../subgraph/fetch-documents.ts";
import type { InstanceSender } from "../balancing/instance.ts";
import type { TransportOptions } from "../subgraph/transport.ts";
import { SubgraphFetchError, type SubgraphRequest, type SubgraphResponse } from "../subgraph/types.ts";
import type { FetchState, UpstreamFailure } from "./connector-call.ts";
import { RestClient } from "./rest-client.ts";
import type { ConnectorRuntime } from "./runtime.ts";

/** Which failure decides the fetch's fate: no answer first (it may be retried or eject), then a 5xx. */
const worst = (failures: readonly UpstreamFailure[]): UpstreamFailure | undefined =>
  failures.find((f) => f.kind === "connect") ?? failures.find((f) => f.kind !== "status") ?? failures.find((f) => f.kind === "status");

export class ConnectorSender implements InstanceSender {
  private readonly client: RestClient;

  constructor(
    private readonly subgraph: string,
    readonly url: string,
    private readonly runtime: () => ConnectorRuntime | undefined,
    options: TransportOptions & { readonly propagateHeaders?: readonly string[] },
    /** `$config` for this subgraph's connectors (never logged: it may hold secrets). */
    private readonly config: Record<string, unknown> = {},
  ) {
    this.client = new RestClient(url, options);
    this.propagate = options.propagateHeaders ?? [];
  }

  /** The client headers `propagateHeaders` names, copied as for a GraphQL subgraph. */
  private readonly propagate: readonly string[];

  async send(request: SubgraphRequest): Promise<SubgraphResponse> {
    // Health checks and readiness probes (no client request): the instance is up when it answers
    // HTTP at all below 500; there is no GraphQL endpoint to ask `{ __typename }`.
    if (!request.context) return this.probe(request);
    const runtime = this.runtime();
    if (!runtime) throw new SubgraphFetchError("invalid-body", this.subgraph, this.url, `no connector runtime for "${this.subgraph}" in this supergraph`);
    const state: FetchState = {
      subgraph: this.subgraph,
      source: runtime.graph.source,
      client: this.client,
      baseHeaders: forwarded(request.headers, this.propagate),
      // Set by the data source from the verified principal only, when forwardIdentity is on.
      identity: request.headers.authorization,
      context: request.context,
      signal: request.signal,
      failures: [],
      requests: 0,
      config: this.config,
    };
    const body = await executeFetch(runtime.schema, request, state);
    const failure = worst(state.failures);
    if (failure) {
      const what = failure.status !== undefined ? `answered HTTP ${failure.status}` : `failed (${failure.kind})`;
      throw new SubgraphFetchError(failure.kind, this.subgraph, this.url, `connector subgraph "${this.subgraph}" ${what}`, failure.status, { answer: body });
    }
    return { status: 200, body, instance: this.url };
  }

  private async probe(request: SubgraphRequest): Promise<SubgraphResponse> {
    const outcome = await this.client.send({ method: "GET", path: "/", headers: { accept: "application/json", ...forwarded(request.headers, []) }, body: undefined, signal: request.signal });
    if (outcome.status === undefined) throw new SubgraphFetchError(outcome.ok ? "invalid-body" : outcome.kind, this.subgraph, this.url, `connector subgraph "${this.subgraph}" did not answer`);
    if (outcome.status >= 500) throw new SubgraphFetchError("status", this.subgraph, this.url, `connector subgraph "${this.subgraph}" answered HTTP ${outcome.status}`, outcome.status);
    return { status: 200, body: { data: { __typename: "Query" } }, instance: this.url };
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

/**
 * What a REST service gets from the gateway's own headers: the request id, the trace context, the
 * probe marker and the client headers `propagateHeaders` names (the data source copied them, as
 * for a GraphQL subgraph). Not `authorization`: a REST service's `authorization` is usually its
 * own credential (the provider's merchant key, set by `@source`), so the caller's identity goes
 * only in the header an SDL rule names with `from: "authorization"` (connector-call.ts).
 */
function forwarded(headers: Record<string, string>, propagate: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ["x-request-id", "traceparent", "tracestate", "x-gateway-probe", ...propagate]) {
    if (name !== "authorization" && headers[name] !== undefined) out[name] = headers[name];
  }
  return out;
}
