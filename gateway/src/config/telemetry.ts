/**
 * The `telemetry` section of the gateway config: Prometheus metrics, the access log and
 * OpenTelemetry tracing. Every key has a default, so an absent section means metrics on,
 * access log on, tracing on only when the standard `OTEL_*` environment asks for it.
 */
import { z } from "zod";

/** Argument and input-field names whose values never reach a log line (matched case-insensitively, as substrings). */
export const defaultSensitiveNames = [
  "password",
  "token",
  "secret",
  "authorization",
  "cookie",
  "apiKey",
  "cardNumber",
  "cvv",
  "card",
  "iban",
  "ssn",
  "pin",
  "credential",
] as const;

/** Upper bounds in seconds for the request and subgraph latency histograms. */
export const defaultLatencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

const seconds = z.number().positive();

export const telemetryConfigSchema = z.strictObject({
  metrics: z
    .strictObject({
      /** Collect metrics and serve them in the Prometheus text format. */
      enabled: z.boolean().default(true),
      /** Where the Prometheus text is served. */
      path: z.string().startsWith("/").default("/metrics"),
      /** A separate admin port for `path`; absent: served on the gateway's own port. 0 picks a free port. */
      port: z.number().int().min(0).max(65535).optional(),
      /** Interface of the admin port; absent: the gateway's `server.host`. */
      host: z.string().min(1).optional(),
      /** Operation names that always get their own label value. */
      operationNames: z.array(z.string().min(1)).default([]),
      /**
       * How many further operation names (first seen, first served) get their own label value.
       * Every other name is counted as `__other__`, so clients cannot explode cardinality.
       * 0 makes `operationNames` a strict allowlist.
       */
      maxOperationNames: z.number().int().min(0).default(100),
      /** Node process metrics (CPU, memory, event-loop lag, GC) from prom-client. */
      processMetrics: z.boolean().default(true),
      /** Request and subgraph-fetch latency histogram buckets, in seconds. */
      latencyBuckets: z.array(seconds).min(1).default([...defaultLatencyBuckets]),
    })
    .prefault({}),
  accessLog: z
    .strictObject({
      /** One JSON line per request at response finish. */
      enabled: z.boolean().default(true),
      /**
       * Log health, readiness, metrics and admin requests (`/healthz`, `/readyz`, `/metrics`,
       * `/admin/upstreams`) at `info` like client requests. Default false: they are logged at
       * `debug`, so probes every few seconds do not bury the log.
       */
      probes: z.boolean().default(false),
      /**
       * Put the operation's variables on the line. Default false: variable values are user data.
       * When on, each variable is redacted by the argument it feeds, never by its own name
       * (telemetry/variable-redaction.ts); inline literals are never logged.
       */
      includeVariables: z.boolean().default(false),
      /** A variable feeding an argument, or an input field, whose name contains one of these (case-insensitive) is logged as `[redacted]`. */
      sensitiveNames: z.array(z.string().min(1)).default([...defaultSensitiveNames]),
      /** Arguments whose variables are always logged as `[redacted]`, e.g. `Mutation.login(password:)` or `login(password:)`. */
      sensitiveArguments: z.array(z.string().regex(/^(\w+\.)?\w+\(\w+:\)$/, "expected Type.field(arg:) or field(arg:)")).default([]),
    })
    .prefault({}),
  tracing: z
    .strictObject({
      /**
       * Record and export spans. Absent: on when `OTEL_EXPORTER_OTLP_ENDPOINT` or
       * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set (and neither `OTEL_SDK_DISABLED=true` nor
       * `OTEL_TRACES_EXPORTER=none`). The exporter is OTLP over HTTP, configured by the
       * standard `OTEL_EXPORTER_OTLP_*`, `OTEL_BSP_*` and `OTEL_TRACES_SAMPLER*` variables.
       */
      enabled: z.boolean().optional(),
      /** `service.name` of the gateway's spans; `OTEL_SERVICE_NAME` wins when set. */
      serviceName: z.string().min(1).default("gateway"),
    })
    .prefault({}),
});

export type TelemetryConfig = z.output<typeof telemetryConfigSchema>;
