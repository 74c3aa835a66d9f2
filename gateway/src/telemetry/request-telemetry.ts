/**
 * Telemetry at the HTTP edge, wrapped around the whole handler so every request is seen,
 * including those answered with a 4xx before Apollo Server: opens the request's record, runs the
 * handler inside the request's server span (continuing the client's `traceparent`, if any), and
 * when the response closes writes the one access-log line, updates the request metrics and ends
 * the span. Health, readiness and metrics routes are not counted, and logged at debug unless
 * `telemetry.accessLog.probes` is on, so probes and scrapes neither flood the log nor skew the
 * request rates.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { context as otelContext, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Tracer } from "@opentelemetry/api";
import type { Logger } from "../logging/logger.ts";
import type { ClientAddressOf } from "../server/client-address.ts";
import { accessLogFields, type AccessLogOptions } from "./access-log.ts";
import type { GatewayMetrics } from "./metrics.ts";
import { errorCodesOf, openRecord, type RequestRecord } from "./request-record.ts";

export type HttpHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export interface RequestTelemetryOptions {
  logger: Logger;
  metrics: GatewayMetrics | undefined;
  /** Undefined when tracing is off. */
  tracer: Tracer | undefined;
  /** Undefined when the access log is off. */
  accessLog: AccessLogOptions | undefined;
  /** True for paths that are not client traffic (health, readiness, metrics, admin). */
  isQuietPath: (path: string) => boolean;
  graphqlPath: string;
  /** The client's address (trusted proxies resolved): the access log's and the span's. */
  clientAddressOf: ClientAddressOf;
}

/** Status recorded when the client went away before the response finished (nginx's convention). */
export const CLIENT_CLOSED_REQUEST = 499;

export function withRequestTelemetry(handler: HttpHandler, options: RequestTelemetryOptions): HttpHandler {
  const { logger, metrics, tracer, accessLog, isQuietPath, graphqlPath, clientAddressOf } = options;
  if (!metrics && !tracer && !accessLog) return handler;

  const finish = (req: IncomingMessage, res: ServerResponse, record: RequestRecord, path: string) => {
    const aborted = !res.writableFinished;
    const status = aborted ? CLIENT_CLOSED_REQUEST : res.statusCode;
    const durationMs = performance.now() - record.startedAt;
    const quiet = isQuietPath(path);
    if (metrics && !quiet) {
      metrics.requestFinished({
        operationName: record.operationName,
        operationType: record.operationType,
        status,
        seconds: durationMs / 1000,
        errorCodes: errorCodesOf(record),
        cost: record.cost,
        rateLimits: record.rateLimits,
        shared: record.sharedWith !== undefined,
      });
    }
    const span = record.span;
    // Build the line only when it will be written (the bench runs at level warn).
    const level = quiet && !accessLog?.probes ? "debug" : "info";
    if (accessLog && logger.isLevelEnabled(level)) {
      const requestId = record.context?.requestId ?? String(res.getHeader("x-request-id") ?? "");
      const fields = accessLogFields(
        record,
        { requestId, method: req.method ?? "GET", path, status, durationMs, aborted, headers: req.headers, clientAddress: record.context?.clientAddress ?? clientAddressOf(req), traceId: span?.spanContext().traceId },
        accessLog,
      );
      logger[level](fields, "request completed");
    }
    if (span) {
      span.setAttribute("http.response.status_code", status);
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    }
  };

  return (req, res) => {
    const record = openRecord(res, performance.now());
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q === -1 ? url : url.slice(0, q);
    res.once("close", () => finish(req, res, record, path));
    if (!tracer) return handler(req, res);
    const method = req.method ?? "GET";
    const parent = propagation.extract(ROOT_CONTEXT, req.headers);
    // Span names stay low-cardinality: an unknown path is named by its method only.
    const known = path === graphqlPath || isQuietPath(path);
    const span = tracer.startSpan(
      known ? `${method} ${path}` : method,
      { kind: SpanKind.SERVER, attributes: { "http.request.method": method, "url.path": path, "client.address": clientAddressOf(req) } },
      parent,
    );
    record.span = span;
    return otelContext.with(trace.setSpan(parent, span), () => handler(req, res));
  };
}
