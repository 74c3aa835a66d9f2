/**
 * Consumers: a verified user by `sub` and the first matching tier rule, a known API key by its
 * configured consumer, everyone else by address at the anonymous tier; unknown keys buy nothing.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { limitsConfigSchema } from "../../../gateway/src/config/limits.ts";
import { identifyConsumer } from "../../../gateway/src/limits/consumer.ts";
import { anonymous, type Principal } from "../../../gateway/src/server/context.ts";

const sha = (s: string) => createHash("sha256").update(s).digest("hex");
const config = limitsConfigSchema.parse({
  consumers: {
    apiKeys: { [sha("k-123")]: { consumer: "acme", tier: "partner" } },
    tierRules: [
      { tier: "admin", roles: ["admin"] },
      { tier: "partner", claims: { plan: "partner" } },
      { tier: "partner", scopes: ["partner:api"] },
    ],
  },
}).consumers;

const user = (roles: string[], claims: Record<string, unknown> = {}, scopes: string[] = []): Principal => ({
  kind: "user",
  subject: "u-1",
  roles: new Set(roles),
  scopes: new Set(scopes),
  claims,
  token: "t",
  expiresAt: 0,
});
const from = (principal: Principal, headers: Record<string, string> = {}) => identifyConsumer({ principal, headers, clientAddress: "10.0.0.7" }, config);

describe("consumer identification", () => {
  const table = [
    { name: "a customer is identified by sub at the user tier", c: from(user(["customer"])), id: "user:u-1", tier: "customer" },
    { name: "a role rule picks the admin tier", c: from(user(["admin"])), id: "user:u-1", tier: "admin" },
    { name: "a claim rule picks the partner tier", c: from(user([], { plan: "partner" })), id: "user:u-1", tier: "partner" },
    { name: "an array claim matches when it contains the value", c: from(user([], { plan: ["x", "partner"] })), id: "user:u-1", tier: "partner" },
    { name: "a scope rule picks the partner tier", c: from(user([], {}, ["partner:api"])), id: "user:u-1", tier: "partner" },
    { name: "a known API key identifies its consumer and tier", c: from(anonymous, { "x-api-key": "k-123" }), id: "key:acme", tier: "partner" },
    { name: "an unknown API key is ignored: the address identifies", c: from(anonymous, { "x-api-key": "made-up" }), id: "addr:10.0.0.7", tier: "anonymous" },
    { name: "a token wins over an API key", c: from(user(["customer"]), { "x-api-key": "k-123" }), id: "user:u-1", tier: "customer" },
    { name: "an anonymous caller is identified by address", c: from(anonymous), id: "addr:10.0.0.7", tier: "anonymous" },
  ];
  for (const row of table) {
    it(row.name, () => {
      assert.equal(row.c.id, row.id);
      assert.equal(row.c.tier, row.tier);
    });
  }
});
