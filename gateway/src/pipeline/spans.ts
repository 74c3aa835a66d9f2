/** A child span around one synchronous stage, when tracing is on; nothing allocated when it is off. */
import { SpanStatusCode, type Tracer } from "@opentelemetry/api";

export function inSpan<T>(tracer: Tracer | undefined, name: string, run: () => T): T {
  if (!tracer) return run();
  const span = tracer.startSpan(name);
  try {
    const result = run();
    if (typeof result === "object" && result !== null && (result as { kind?: unknown }).kind === "refused") {
      span.setStatus({ code: SpanStatusCode.ERROR, message: "refused" });
    }
    return result;
  } finally {
    span.end();
  }
}
