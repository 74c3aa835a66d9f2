import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { tracingEnabled } from "../../../gateway/src/telemetry/tracing-switch.ts";

describe("the tracing switch", () => {
  const cases: Array<{ rule: string; configured: boolean | undefined; env: NodeJS.ProcessEnv; expected: boolean }> = [
    { rule: "is off by default", configured: undefined, env: {}, expected: false },
    { rule: "turns on when an OTLP endpoint is set", configured: undefined, env: { OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" }, expected: true },
    { rule: "turns on when a traces endpoint is set", configured: undefined, env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://collector:4318/v1/traces" }, expected: true },
    { rule: "stays off when the SDK is disabled", configured: undefined, env: { OTEL_EXPORTER_OTLP_ENDPOINT: "http://c", OTEL_SDK_DISABLED: "true" }, expected: false },
    { rule: "stays off when the traces exporter is none", configured: undefined, env: { OTEL_EXPORTER_OTLP_ENDPOINT: "http://c", OTEL_TRACES_EXPORTER: "none" }, expected: false },
    { rule: "the config wins over the environment when set (on)", configured: true, env: {}, expected: true },
    { rule: "the config wins over the environment when set (off)", configured: false, env: { OTEL_EXPORTER_OTLP_ENDPOINT: "http://c" }, expected: false },
  ];
  for (const c of cases) it(c.rule, () => assert.equal(tracingEnabled(c.configured, c.env), c.expected));
});
