import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { defaultSensitiveVariables } from "../../../gateway/src/config/telemetry.ts";
import { accessLogFields, REDACTED, redactVariables } from "../../../gateway/src/telemetry/access-log.ts";
import { openRecord } from "../../../gateway/src/telemetry/request-record.ts";

describe("variable redaction in the access log", () => {
  const cases: Array<{ rule: string; variables: Record<string, unknown>; expected: Record<string, unknown> }> = [
    { rule: "a variable whose name contains a sensitive word is redacted, whatever its case", variables: { email: "a@b", newPassword: "x", UserApiKey: "k" }, expected: { email: "a@b", newPassword: REDACTED, UserApiKey: REDACTED } },
    { rule: "names match as case-insensitive substrings", variables: { refreshToken: "t", accessTOKEN: "t" }, expected: { refreshToken: REDACTED, accessTOKEN: REDACTED } },
    { rule: "sensitive fields inside input objects and lists are redacted", variables: { input: { card: { cardNumber: "4242", cvv: "123" }, items: [{ secret: "s", qty: 1 }] } }, expected: { input: { card: { cardNumber: REDACTED, cvv: REDACTED }, items: [{ secret: REDACTED, qty: 1 }] } } },
    { rule: "a long string is cut at 256 characters", variables: { note: "n".repeat(300) }, expected: { note: `${"n".repeat(256)}…` } },
    { rule: "a long list keeps 20 items and says how many were dropped", variables: { ids: Array.from({ length: 25 }, (_, i) => i) }, expected: { ids: [...Array.from({ length: 20 }, (_, i) => i), "[+5 more]"] } },
  ];
  for (const c of cases) {
    it(c.rule, () => assert.deepEqual(redactVariables(c.variables, defaultSensitiveVariables), c.expected));
  }

  it("leaves variables off the line when includeVariables is false", () => {
    const record = openRecord({}, 0);
    record.variables = { email: "a@b" };
    const fields = accessLogFields(record, { requestId: "r", method: "POST", path: "/graphql", status: 200, durationMs: 1, aborted: false, headers: {}, clientAddress: "127.0.0.1", traceId: undefined }, { includeVariables: false, sensitiveVariables: [] });
    assert.equal("variables" in fields, false);
  });

  it("shows cost and rate-limit decisions once a feature recorded them", () => {
    const record = openRecord({}, 0);
    record.cost = { estimated: 42, limit: 1000, outcome: "allowed" };
    record.rateLimits.push({ policy: "per-consumer", outcome: "rejected", retryAfterSeconds: 3 });
    const fields = accessLogFields(record, { requestId: "r", method: "POST", path: "/graphql", status: 429, durationMs: 1, aborted: false, headers: {}, clientAddress: "127.0.0.1", traceId: undefined }, { includeVariables: true, sensitiveVariables: [] });
    assert.deepEqual(fields.cost, { estimated: 42, limit: 1000, outcome: "allowed" });
    assert.deepEqual(fields.rateLimits, [{ policy: "per-consumer", outcome: "rejected", retryAfterSeconds: 3 }]);
  });
});
