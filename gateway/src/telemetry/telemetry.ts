/**
 * Assembly of the telemetry concern from the `telemetry` config section: which parts exist
 * (metrics, access log, tracing) and where each plugs into the gateway (edge wrapper, the
 * pipeline's spans, outermost subgraph layer, metrics route or admin port). No logic of its own.
 */
import type { ApolloGateway } from "@apollo/gateway";
import type { Tracer } from "@opentelemetry/api";
import type { GatewayConfig } from "../config/schema.ts";
import type { Logger } from "../logging/logger.ts";
import type { ClientAddressOf } from "../server/client-address.ts";
import type { RouteHandler } from "../server/routes.ts";
import type { ResolvedSubgraph } from "../subgraph/registry.ts";
import type { SubgraphLayer } from "../subgraph/types.ts";
import { metricsRoute, startMetricsServer, type MetricsServer } from "./metrics-endpoint.ts";
import { GatewayMetrics, noUpstreamMetrics, type UpstreamMetrics } from "./metrics.ts";
import { observeQueryPlanCache } from "../private-apis/query-plan-store.ts";
import { operationObserver, withRequestTelemetry, type HttpHandler, type OperationObserver } from "./request-telemetry.ts";
import { subgraphTelemetryLayer } from "./subgraph-layer.ts";
import type { SpanProcessor, Tracing } from "./tracing.ts";
import { tracingEnabled } from "./tracing-switch.ts";

export interface TelemetryOptions {
  config: GatewayConfig;
  logger: Logger;
  /** Where spans go instead of the OTLP exporter (tests: an in-memory exporter). */
  spanProcessors?: SpanProcessor[];
  /** Read for the `OTEL_*` switch; default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

export interface Telemetry {
  /** Undefined when metrics are off. */
  readonly metrics: GatewayMetrics | undefined;
  /** The balancing feature's reporting API; a no-op when metrics are off. */
  readonly upstream: UpstreamMetrics;
  /** Undefined when tracing is off. */
  readonly tracer: Tracer | undefined;
  /** First (outermost) in every subgraph's layer list. */
  readonly subgraphLayer: (subgraph: ResolvedSubgraph) => SubgraphLayer;
  /** Routes for the gateway port: the metrics path unless an admin port serves it. */
  readonly routes: ReadonlyArray<readonly [string, RouteHandler]>;
  /** Wraps the whole HTTP handler (outermost, so edge rejections are counted and logged). */
  wrap(handler: HttpHandler, options: { graphqlPath: string; isQuietPath: (path: string) => boolean; clientAddressOf: ClientAddressOf }): HttpHandler;
  /** Records, access-log lines and metrics for operations a connection carries (graphql-ws subscriptions); undefined when all telemetry is off. */
  readonly observer: OperationObserver | undefined;
  /** Counts query-plan cache lookups of this gateway. */
  observe(gateway: ApolloGateway): void;
  /** Opens the admin metrics port, when one is configured; returns its URL. */
  listen(defaultHost: string): Promise<string | undefined>;
  /** Closes the admin port and flushes pending spans. */
  close(): Promise<void>;
}

export async function createTelemetry({ config, logger, spanProcessors, env = process.env }: TelemetryOptions): Promise<Telemetry> {
  const settings = config.telemetry;
  const metrics = settings.metrics.enabled ? new GatewayMetrics(settings.metrics) : undefined;
  const tracing: Tracing | undefined = tracingEnabled(settings.tracing.enabled, env)
    ? (await import("./tracing.ts")).startTracing({ serviceName: settings.tracing.serviceName, ...(spanProcessors ? { spanProcessors } : {}) })
    : undefined;
  if (tracing && !tracing.registeredGlobally) logger.warn("a tracer provider was already registered in this process; @apollo/gateway spans go to it");
  const tracer = tracing?.tracer;
  const accessLog = settings.accessLog.enabled ? settings.accessLog : undefined;
  const route = metrics ? metricsRoute(metrics) : undefined;
  const onAdminPort = settings.metrics.port !== undefined;
  let adminServer: MetricsServer | undefined;

  return {
    metrics,
    upstream: metrics ?? noUpstreamMetrics,
    tracer,
    subgraphLayer: subgraphTelemetryLayer({ metrics, tracer }),
    routes: route && !onAdminPort ? [[settings.metrics.path, route]] : [],
    observer: operationObserver({ logger, metrics, tracer, accessLog, isQuietPath: () => false }),
    wrap: (handler, options) => withRequestTelemetry(handler, { logger, metrics, tracer, accessLog, ...options }),
    observe: (gateway) => {
      if (metrics) observeQueryPlanCache(gateway, (hit) => metrics.queryPlanLookup(hit), logger);
    },
    listen: async (defaultHost) => {
      if (!route || settings.metrics.port === undefined) return undefined;
      adminServer = await startMetricsServer({ host: settings.metrics.host ?? defaultHost, port: settings.metrics.port, path: settings.metrics.path, route });
      logger.info({ url: adminServer.url }, "metrics listening on the admin port");
      return adminServer.url;
    },
    close: async () => {
      await adminServer?.close();
      await tracing?.shutdown();
    },
  };
}
