/**
 * OpenTelemetry tracing for the gateway process: a tracer provider registered globally (so the
 * spans `@apollo/gateway` emits through `@opentelemetry/api` land in it: gateway.request,
 * gateway.validate, gateway.plan, gateway.execute, gateway.fetch, gateway.postprocessing), the
 * AsyncLocalStorage context manager (so those spans nest under ours), and the W3C trace-context
 * and baggage propagators (so `traceparent` reaches the subgraphs).
 *
 * The exporter is OTLP over HTTP and reads the standard variables itself
 * (`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, `OTEL_EXPORTER_OTLP_HEADERS`,
 * ...); the provider reads `OTEL_TRACES_SAMPLER` and `OTEL_TRACES_SAMPLER_ARG`, the batch
 * processor `OTEL_BSP_*`. When tracing is off none of this is created and the hot path does no
 * tracer work at all: callers hold `undefined` instead of a tracer.
 */
import { context, propagation, trace, type Tracer } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { detectResources, envDetector, resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, BatchSpanProcessor, type SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";

export type { SpanProcessor };

export interface TracingOptions {
  serviceName: string;
  /** Where finished spans go; default a batch processor over the OTLP HTTP exporter. Tests pass an in-memory exporter. */
  spanProcessors?: SpanProcessor[];
}

export interface Tracing {
  readonly tracer: Tracer;
  /** False when another provider was already registered in this process (its spans then go there). */
  readonly registeredGlobally: boolean;
  /** Flushes pending spans and unregisters the globals this instance registered. */
  shutdown(): Promise<void>;
}

export function startTracing(options: TracingOptions): Tracing {
  const resource = resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.serviceName }).merge(detectResources({ detectors: [envDetector] }));
  const provider = new BasicTracerProvider({
    resource,
    spanProcessors: options.spanProcessors ?? [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  const registeredGlobally = trace.setGlobalTracerProvider(provider);
  if (registeredGlobally) {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }));
  }
  let stopping: Promise<void> | undefined;
  return {
    tracer: provider.getTracer("federated-gateway"),
    registeredGlobally,
    shutdown: () =>
      (stopping ??= (async () => {
        await provider.shutdown();
        if (registeredGlobally) {
          trace.disable();
          context.disable();
          propagation.disable();
        }
      })()),
  };
}
