/**
 * Tracing for a subgraph: each HTTP request runs inside a server span that continues the
 * caller's W3C `traceparent` (the gateway injects it into every fetch), so the subgraph's spans
 * join the gateway's trace. Spans go to whatever tracer provider is registered in the process:
 * the one `startTracingFromEnv` registers when the subgraph runs alone, or the gateway's when
 * tests run both in one process. With no provider the OpenTelemetry API is a no-op.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { detectResources, envDetector, resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";

/** Runs `handle` inside a server span for the request; the span ends when the response closes. */
export function traceRequest<T>(service: string, req: IncomingMessage, res: ServerResponse, describe: () => string | undefined, handle: () => Promise<T>): Promise<T> {
  const method = req.method ?? "GET";
  const path = (req.url ?? "/").split("?")[0] ?? "/";
  // Only the caller's headers decide the parent: never an ambient context of this process.
  const parent = propagation.extract(ROOT_CONTEXT, req.headers);
  const span = trace.getTracer(`subgraph.${service}`).startSpan(
    `${method} ${path === "/graphql" || path === "/healthz" ? path : ""}`.trim(),
    { kind: SpanKind.SERVER, attributes: { "subgraph.service": service, "http.request.method": method, "url.path": path } },
    parent,
  );
  res.once("close", () => {
    const operationName = describe();
    if (operationName) span.setAttribute("graphql.operation.name", operationName);
    span.setAttribute("http.response.status_code", res.statusCode);
    if (!res.writableFinished || res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });
  return context.with(trace.setSpan(parent, span), handle);
}

/** `traceparent` (and baggage) for a call this subgraph makes to another service. */
export function traceHeaders(): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}

/** True when the standard environment asks for tracing (an OTLP endpoint is set and the SDK not disabled). */
export function tracingRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.OTEL_SDK_DISABLED?.toLowerCase() === "true" || env.OTEL_TRACES_EXPORTER?.toLowerCase() === "none") return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/**
 * For a subgraph running as its own process: registers a tracer provider exporting OTLP over
 * HTTP (configured by the standard `OTEL_*` variables) when `tracingRequested()`. Returns the
 * flush-and-stop function, or undefined when tracing stays off.
 */
export function startTracingFromEnv(service: string, env: NodeJS.ProcessEnv = process.env): (() => Promise<void>) | undefined {
  if (!tracingRequested(env)) return undefined;
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: `${service}-subgraph` }).merge(detectResources({ detectors: [envDetector] })),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  if (!trace.setGlobalTracerProvider(provider)) return undefined;
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }));
  return () => provider.shutdown();
}
