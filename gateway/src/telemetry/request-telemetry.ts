/**
 * Telemetry at the HTTP edge, wrapped around the whole handler so every request is seen,
 * including those answered with a 4xx before Apollo Server: opens the request's record, runs the
 * handler inside the request's server span (continuing the client's `traceparent`, if any), and
 * when the response closes writes the one access-log line, updates the request metrics and ends
 * the span. Health, readiness and metrics routes are not counted, and logged at debug unless
 * `telemetry.accessLog.probes` is on, so probes and scrapes neither flood the log nor skew the
 * request rates.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
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

/** What the access-log line says of the request, beyond its record. */
interface Exchange {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly aborted: boolean;
  readonly headers: IncomingHttpHeaders;
  readonly clientAddress: string;
  readonly requestId: string;
}

/** Writes the one access-log line, updates the request metrics and ends the span. */
function reporter(options: Pick<RequestTelemetryOptions, "logger" | "metrics" | "accessLog" | "isQuietPath">) {
  const { logger, metrics, accessLog, isQuietPath } = options;
  return (record: RequestRecord, exchange: Exchange) => {
    const { status, path } = exchange;
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
      const fields = accessLogFields(
        record,
        { requestId: exchange.requestId, method: exchange.method, path, status, durationMs, aborted: exchange.aborted, headers: exchange.headers, clientAddress: exchange.clientAddress, traceId: span?.spanContext().traceId },
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
}

/** One operation that is not an HTTP request of its own (a graphql-ws subscription). */
export interface ObservedOperation {
  readonly record: RequestRecord;
  /** `status`: the refusal's HTTP-equivalent status, or 200 for a subscription that ran. */
  finish(status: number, aborted?: boolean): void;
}

export type OperationObserver = (info: { requestId: string; method: string; path: string; headers: IncomingHttpHeaders; clientAddress: string }) => ObservedOperation;

/**
 * Telemetry for operations a long-lived connection carries (each graphql-ws subscription): its
 * own record, span (under the connection's trace context, if any), access-log line and metrics,
 * exactly as an HTTP request gets.
 */
export function operationObserver(options: Omit<RequestTelemetryOptions, "graphqlPath" | "clientAddressOf">): OperationObserver | undefined {
  const { metrics, tracer, accessLog } = options;
  if (!metrics && !tracer && !accessLog) return undefined;
  const report = reporter(options);
  return (info) => {
    const record = openRecord({}, performance.now());
    if (tracer) record.span = tracer.startSpan(`${info.method} ${info.path}`, { kind: SpanKind.SERVER, attributes: { "url.path": info.path, "client.address": info.clientAddress } }, propagation.extract(ROOT_CONTEXT, info.headers));
    let finished = false;
    return {
      record,
      finish(status, aborted = false) {
        if (finished) return;
        finished = true;
        report(record, { ...info, status, aborted });
      },
    };
  };
}

export function withRequestTelemetry(handler: HttpHandler, options: RequestTelemetryOptions): HttpHandler {
  const { metrics, tracer, accessLog, isQuietPath, graphqlPath, clientAddressOf } = options;
  if (!metrics && !tracer && !accessLog) return handler;
  const report = reporter(options);

  const finish = (req: IncomingMessage, res: ServerResponse, record: RequestRecord, path: string) => {
    const aborted = !res.writableFinished;
    report(record, {
      method: req.method ?? "GET",
      path,
      status: aborted ? CLIENT_CLOSED_REQUEST : res.statusCode,
      aborted,
      headers: req.headers,
      clientAddress: record.context?.clientAddress ?? clientAddressOf(req),
      requestId: record.context?.requestId ?? String(res.getHeader("x-request-id") ?? ""),
    });
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
