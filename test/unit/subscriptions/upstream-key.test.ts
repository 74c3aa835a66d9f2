import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { anonymous, type Principal } from "../../../gateway/src/server/context.ts";
import { authorizationScope, stableJson, upstreamKey } from "../../../gateway/src/subscriptions/upstream-key.ts";

function user(subject: string, scopes: string[], roles: string[], token = `t-${subject}`): Principal {
  return { kind: "user", subject, scopes: new Set(scopes), roles: new Set(roles), claims: {}, token, expiresAt: 2_000_000_000 };
}

const base = { subgraph: "delivery", operation: "subscription { x }", variables: { orderId: "o1" } };

describe("the shared-upstream key", () => {
  it("is the same for two tokens of one user with the same scopes and roles", () => {
    assert.equal(
      upstreamKey({ ...base, principal: user("u1", ["a", "b"], ["customer"], "token-1") }),
      upstreamKey({ ...base, principal: user("u1", ["b", "a"], ["customer"], "token-2") }),
    );
  });

  const differing: Array<[string, Parameters<typeof upstreamKey>[0]]> = [
    ["another user", { ...base, principal: user("u2", ["a", "b"], ["customer"]) }],
    ["fewer scopes", { ...base, principal: user("u1", ["a"], ["customer"]) }],
    ["another role", { ...base, principal: user("u1", ["a", "b"], ["courier"]) }],
    ["anonymous", { ...base, principal: anonymous }],
    ["other variables", { ...base, variables: { orderId: "o2" }, principal: user("u1", ["a", "b"], ["customer"]) }],
    ["another operation", { ...base, operation: "subscription { y }", principal: user("u1", ["a", "b"], ["customer"]) }],
    ["another subgraph", { ...base, subgraph: "orders", principal: user("u1", ["a", "b"], ["customer"]) }],
  ];
  for (const [what, input] of differing) {
    it(`differs for ${what}, so such clients never share an answer`, () => {
      assert.notEqual(upstreamKey(input), upstreamKey({ ...base, principal: user("u1", ["a", "b"], ["customer"]) }));
    });
  }

  it("ignores key order in variables", () => {
    assert.equal(stableJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } }), stableJson({ a: { c: null, d: [1, { x: 1, y: 2 }] }, b: 1 }));
  });

  it("names an anonymous caller's scope as anonymous", () => {
    assert.equal(authorizationScope(anonymous), "anonymous");
  });
});
