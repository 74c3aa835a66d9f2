import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { clauseDecider, decisionFingerprint, evaluatePolicies } from "../../../gateway/src/auth/decisions.ts";
import type { PolicyFunction } from "../../../gateway/src/config/auth.ts";
import { createLogger } from "../../../gateway/src/logging/logger.ts";
import { anonymous, type Principal } from "../../../gateway/src/server/context.ts";

const logger = createLogger({ level: "silent" });
const user = (scopes: string[], roles: string[] = []): Principal => ({
  kind: "user",
  subject: "u1",
  scopes: new Set(scopes),
  roles: new Set(roles),
  claims: { sub: "u1" },
  token: "t",
  expiresAt: 2e9,
});
const context = (principal: Principal) => ({
  principal,
  claims: principal.kind === "user" ? principal.claims : {},
  headers: {},
  operation: { name: null, type: "query" as const },
});

describe("authorization decisions", () => {
  it("@authenticated holds only for a verified caller", () => {
    assert.equal(clauseDecider(anonymous, new Map())({ kind: "authenticated" }), false);
    assert.equal(clauseDecider(user([]), new Map())({ kind: "authenticated" }), true);
  });

  it("@requiresScopes holds when one AND-set is fully held", () => {
    const clause = { kind: "scopes" as const, anyOf: [["a", "b"], ["c"]] };
    assert.equal(clauseDecider(user(["a"]), new Map())(clause), false);
    assert.equal(clauseDecider(user(["a", "b"]), new Map())(clause), true);
    assert.equal(clauseDecider(user(["c"]), new Map())(clause), true);
    assert.equal(clauseDecider(anonymous, new Map())(clause), false);
  });

  it("a malformed requirement with no sets denies", () => {
    assert.equal(clauseDecider(user(["a"]), new Map())({ kind: "scopes", anyOf: [] }), false);
  });

  it("@policy holds when every policy of one set allows", () => {
    const clause = { kind: "policy" as const, anyOf: [["p", "q"], ["r"]] };
    assert.equal(clauseDecider(anonymous, new Map([["p", true], ["q", false]]))(clause), false);
    assert.equal(clauseDecider(anonymous, new Map([["p", true], ["q", true]]))(clause), true);
    assert.equal(clauseDecider(anonymous, new Map([["r", true]]))(clause), true);
  });

  it("policies answer synchronously when every function does", () => {
    const results = evaluatePolicies(["yes", "no"], { yes: () => true, no: () => false }, context(anonymous), logger);
    assert.ok(!(results instanceof Promise));
    assert.deepEqual([...results], [["yes", true], ["no", false]]);
  });

  it("a policy that throws, rejects, answers a non-boolean or is not registered denies", async () => {
    const registry: Record<string, PolicyFunction> = {
      throws: () => {
        throw new Error("boom");
      },
      rejects: () => Promise.reject(new Error("boom")),
      truthy: () => 1 as unknown as boolean,
      asyncYes: async () => true,
    };
    const results = await evaluatePolicies(["throws", "rejects", "truthy", "asyncYes", "missing", "toString"], registry, context(anonymous), logger);
    assert.deepEqual(Object.fromEntries(results), { throws: false, rejects: false, truthy: false, asyncYes: true, missing: false, toString: false });
  });

  it("each policy is called once with the caller, its claims and its name", () => {
    const calls: string[] = [];
    const principal = user(["x"], ["courier"]);
    evaluatePolicies(["courier"], { courier: (ctx) => (calls.push(`${ctx.policy}:${String(ctx.claims.sub)}`), ctx.principal.kind === "user") }, context(principal), logger);
    assert.deepEqual(calls, ["courier:u1"]);
  });

  it("the fingerprint depends only on the decisions the operation refers to", () => {
    const scan = { protected: true, scopes: ["a"], policies: ["p"] };
    const allowP = new Map([["p", true]]);
    assert.equal(decisionFingerprint(scan, user(["a", "zzz"]), allowP), decisionFingerprint(scan, user(["a"]), allowP));
    assert.notEqual(decisionFingerprint(scan, user(["a"]), allowP), decisionFingerprint(scan, user([]), allowP));
    assert.notEqual(decisionFingerprint(scan, user(["a"]), allowP), decisionFingerprint(scan, user(["a"]), new Map()));
    assert.notEqual(decisionFingerprint(scan, anonymous, allowP), decisionFingerprint(scan, user([]), allowP));
  });
});
