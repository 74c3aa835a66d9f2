/**
 * Whether tracing is on, decided without loading the OpenTelemetry SDK: telemetry imports the
 * SDK (tracing.ts) only when this says yes, so a gateway without tracing never pays its memory.
 */
/** The configured switch, or, when absent, whether the standard environment asks for tracing. */
export function tracingEnabled(configured: boolean | undefined, env: NodeJS.ProcessEnv): boolean {
  if (configured !== undefined) return configured;
  if (env.OTEL_SDK_DISABLED?.toLowerCase() === "true") return false;
  if (env.OTEL_TRACES_EXPORTER?.toLowerCase() === "none") return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}
