/**
 * The subgraphs' token verifier, as a table of tokens against a fixed clock: it accepts what the
 * gateway lets through (the gateway's 5 s clock tolerance, so a token that expires while its
 * request is in flight still verifies), refuses an expired token as TOKEN_EXPIRED and a bad one
 * as INVALID_TOKEN, and tells service tokens from users'.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createLocalJWKSet } from "jose";
import { createIdentityVerifier, DEFAULT_SERVICE_AUDIENCE, type Principal } from "../../subgraphs/shared/identity.ts";
import { claims, createTestKey, jwksOf, signToken, tamperedToken, TEST_AUDIENCE, TEST_ISSUER } from "../helpers/tokens.ts";

const NOW_SEC = 1_800_000_000;
const key = await createTestKey("k1");
const other = await createTestKey("k2");
const verify = createIdentityVerifier({ getKey: createLocalJWKSet(jwksOf(key)), issuer: TEST_ISSUER, audience: TEST_AUDIENCE, now: () => NOW_SEC * 1000 });
const summary = (p: Principal) => (p.kind === "anonymous" ? `anonymous${p.refused ? ` ${p.refused}` : ""}` : p.kind);

describe("the subgraphs' token verifier", () => {
  const table: Array<[string, () => Promise<string>, string]> = [
    ["accepts a valid user token", () => signToken(key, claims({}, NOW_SEC)), "user"],
    ["accepts a token that expired 2 s ago (in flight since the gateway accepted it)", () => signToken(key, claims({ exp: NOW_SEC - 2 }, NOW_SEC)), "user"],
    ["accepts a token whose nbf is 3 s ahead (the issuer's clock is), as the gateway does", () => signToken(key, claims({ nbf: NOW_SEC + 3 }, NOW_SEC)), "user"],
    ["refuses a token expired beyond the 5 s tolerance as TOKEN_EXPIRED", () => signToken(key, claims({ exp: NOW_SEC - 6 }, NOW_SEC)), "anonymous TOKEN_EXPIRED"],
    ["refuses a token without exp, as the gateway does", () => signToken(key, claims({ exp: undefined }, NOW_SEC)), "anonymous INVALID_TOKEN"],
    ["refuses a token signed by an unknown key as INVALID_TOKEN", () => signToken(other, claims({}, NOW_SEC)), "anonymous INVALID_TOKEN"],
    ["refuses a tampered token as INVALID_TOKEN", async () => tamperedToken(await signToken(key, claims({}, NOW_SEC)), { sub: "u2" }), "anonymous INVALID_TOKEN"],
    ["refuses another audience as INVALID_TOKEN", () => signToken(key, claims({ aud: "someone-else" }, NOW_SEC)), "anonymous INVALID_TOKEN"],
    ["reads a service token as a service", () => signToken(key, { ...claims({ aud: DEFAULT_SERVICE_AUDIENCE, roles: undefined, email: undefined, scope: "orders:mark-paid" }, NOW_SEC), sub: "payments", client_id: "payments" }), "service"],
    ["refuses a token for both audiences", () => signToken(key, { ...claims({ aud: [TEST_AUDIENCE, DEFAULT_SERVICE_AUDIENCE] }, NOW_SEC), client_id: "u1" }), "anonymous INVALID_TOKEN"],
  ];
  for (const [rule, token, expected] of table) {
    it(rule, async () => assert.equal(summary(await verify(`Bearer ${await token()}`)), expected));
  }

  it("treats no token as anonymous without a refusal", async () => {
    assert.equal(summary(await verify(undefined)), "anonymous");
  });

  it("treats a caller as anonymous, not refused, when the keys cannot be fetched", async () => {
    const unreachable = createIdentityVerifier({
      getKey: async () => {
        throw new TypeError("fetch failed");
      },
      issuer: TEST_ISSUER,
      audience: TEST_AUDIENCE,
      now: () => NOW_SEC * 1000,
    });
    assert.equal(summary(await unreachable(`Bearer ${await signToken(key, claims({}, NOW_SEC))}`)), "anonymous");
  });
});
