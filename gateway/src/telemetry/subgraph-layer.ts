/**
 * The outermost subgraph layer: times every fetch a client request causes, counts failures and
 * fetches in flight, adds the fetch to the request's access-log line, and (with tracing on)
 * opens a client span whose context travels to the subgraph as `traceparent`. Being outermost,
 * it measures what the query plan waited for, retries and balancing included; the instance
 * label is the instance that finally answered or failed.
 *
 * Readiness probes (no request context) pass through untouched: they are not client traffic.
 */
import { context as otelContext, propagation, SpanKind, SpanStatusCode, trace, type Tracer } from "@opentelemetry/api";
import type { ResolvedSubgraph } from "../subgraph/registry.ts";
import { SubgraphFetchError, type SubgraphLayer, type SubgraphResponse } from "../subgraph/types.ts";
import type { GatewayMetrics } from "./metrics.ts";
import { recordOf, type FetchRecord } from "./request-record.ts";

export interface SubgraphTelemetryOptions {
  metrics: GatewayMetrics | undefined;
  /** Undefined when tracing is off. */
  tracer: Tracer | undefined;
  now?: () => number;
}

export function subgraphTelemetryLayer(options: SubgraphTelemetryOptions): (subgraph: ResolvedSubgraph) => SubgraphLayer {
  const { metrics, tracer } = options;
  const now = options.now ?? (() => performance.now());
  return ({ name }) =>
    (next) =>
    async (request) => {
      if (request.context === undefined) return next(request);
      const record = recordOf(request.context);
      const span = tracer?.startSpan(`subgraph ${name}`, {
        kind: SpanKind.CLIENT,
        attributes: { "subgraph.name": name, "graphql.operation.type": request.operationKind, "http.request.method": "POST" },
      });
      // Layers may add headers before the transport writes them: the subgraph continues this trace.
      if (span) propagation.inject(trace.setSpan(otelContext.active(), span), request.headers);
      metrics?.fetchStarted(name);
      const started = now();
      let response: SubgraphResponse | undefined;
      let failure: unknown;
      try {
        response = await next(request);
        return response;
      } catch (e) {
        failure = e;
        throw e;
      } finally {
        const ms = now() - started;
        const fetchError = failure instanceof SubgraphFetchError ? failure : undefined;
        const instance = response?.instance ?? fetchError?.instance;
        const status = response?.status ?? fetchError?.status;
        const error = failure === undefined ? undefined : (fetchError?.kind ?? "unknown");
        metrics?.fetchFinished(name, instance, ms / 1000, error);
        const entry: FetchRecord = { subgraph: name, instance, status, ms: Math.round(ms * 100) / 100, ...(error ? { error } : {}) };
        record?.fetches.push(entry);
        if (span) {
          if (instance) span.setAttribute("url.full", instance);
          if (status !== undefined) span.setAttribute("http.response.status_code", status);
          if (error) {
            span.setAttribute("error.type", error);
            span.setStatus({ code: SpanStatusCode.ERROR, message: failure instanceof Error ? failure.message : String(failure) });
          } else if (response?.body.errors?.length) {
            span.setAttribute("graphql.error.count", response.body.errors.length);
          }
          span.end();
        }
      }
    };
}
