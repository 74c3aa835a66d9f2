import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Kind, parse, type OperationDefinitionNode } from "graphql";
import { defaultSensitiveNames } from "../../../gateway/src/config/telemetry.ts";
import { accessLogFields, REDACTED, redactVariables } from "../../../gateway/src/telemetry/access-log.ts";
import { planRedaction } from "../../../gateway/src/telemetry/variable-redaction.ts";
import { openRecord } from "../../../gateway/src/telemetry/request-record.ts";

const rules = { sensitiveNames: defaultSensitiveNames, sensitiveArguments: ["Mutation.note(text:)"] };
const linesOf = (source: string, variables: Record<string, unknown>) => {
  const document = parse(source);
  const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION) as OperationDefinitionNode;
  return redactVariables(variables, planRedaction(document, operation, rules), defaultSensitiveNames);
};

describe("variable redaction in the access log", () => {
  const cases: Array<{ rule: string; source: string; variables: Record<string, unknown>; expected: Record<string, unknown> }> = [
    {
      rule: "a variable feeding a secret-named argument is redacted, whatever the variable is called",
      source: "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }",
      variables: { e: "alice@example.com", p: "demo-password" },
      expected: { e: "alice@example.com", p: REDACTED },
    },
    {
      rule: "a variable named like a secret that feeds a harmless argument is logged",
      source: "query($password: ID!) { order(id: $password) { id } }",
      variables: { password: "o-1" },
      expected: { password: "o-1" },
    },
    {
      rule: "an argument listed in the config redacts its variable",
      source: "mutation($t: String) { note(text: $t) }",
      variables: { t: "private" },
      expected: { t: REDACTED },
    },
    {
      rule: "a variable inside a secret-named input field of a literal object is redacted",
      source: "mutation($n: String) { pay(input: { card: { cardNumber: $n } }) }",
      variables: { n: "4242" },
      expected: { n: REDACTED },
    },
    {
      rule: "secret-named input fields inside a variable's value are redacted at any depth",
      source: "mutation($in: PayInput) { pay(input: $in) }",
      variables: { in: { card: { number: "4242" }, items: [{ secret: "s", qty: 1 }], note: "n" } },
      expected: { in: { card: REDACTED, items: [{ secret: REDACTED, qty: 1 }], note: "n" } },
    },
    {
      rule: "a variable used inside a fragment is judged by the argument it feeds there",
      source: "query($x: String) { ...F } fragment F on Query { login(password: $x) }",
      variables: { x: "pw" },
      expected: { x: REDACTED },
    },
    {
      rule: "a variable that feeds no argument is redacted, since nothing says what it is",
      source: "query($unused: String) { __typename }",
      variables: { unused: "anything", undeclared: "x" },
      expected: { unused: REDACTED, undeclared: REDACTED },
    },
    { rule: "a long string is cut at 256 characters", source: "query($v: String) { f(a: $v) }", variables: { v: "n".repeat(300) }, expected: { v: `${"n".repeat(256)}…` } },
    {
      rule: "a long list keeps 20 items and says how many were dropped",
      source: "query($ids: [ID]) { f(ids: $ids) }",
      variables: { ids: Array.from({ length: 25 }, (_, i) => i) },
      expected: { ids: [...Array.from({ length: 20 }, (_, i) => i), "[+5 more]"] },
    },
  ];
  for (const c of cases) {
    it(c.rule, () => assert.deepEqual(linesOf(c.source, c.variables), c.expected));
  }

  it("leaves variables off the line when includeVariables is false", () => {
    const record = openRecord({}, 0);
    record.variables = { email: "a@b" };
    const fields = accessLogFields(record, { requestId: "r", method: "POST", path: "/graphql", status: 200, durationMs: 1, aborted: false, headers: {}, clientAddress: "127.0.0.1", traceId: undefined }, { includeVariables: false, sensitiveNames: [], sensitiveArguments: [] });
    assert.equal("variables" in fields, false);
  });

  it("shows cost and rate-limit decisions once a feature recorded them", () => {
    const record = openRecord({}, 0);
    record.cost = { estimated: 42, limit: 1000, outcome: "allowed" };
    record.rateLimits.push({ policy: "per-consumer", outcome: "rejected", retryAfterSeconds: 3 });
    const fields = accessLogFields(record, { requestId: "r", method: "POST", path: "/graphql", status: 429, durationMs: 1, aborted: false, headers: {}, clientAddress: "127.0.0.1", traceId: undefined }, { includeVariables: true, sensitiveNames: [], sensitiveArguments: [] });
    assert.deepEqual(fields.cost, { estimated: 42, limit: 1000, outcome: "allowed" });
    assert.deepEqual(fields.rateLimits, [{ policy: "per-consumer", outcome: "rejected", retryAfterSeconds: 3 }]);
  });
});
