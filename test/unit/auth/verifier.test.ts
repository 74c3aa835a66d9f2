import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileKeySource } from "../../../gateway/src/auth/jwks.ts";
import { TokenVerifier } from "../../../gateway/src/auth/verifier.ts";
import {
  claims,
  createTestKey,
  hs256WithPublicKey,
  jwksOf,
  signToken,
  tamperedToken,
  TEST_AUDIENCE,
  TEST_ISSUER,
  unsecuredToken,
  type TestKey,
} from "../../helpers/tokens.ts";

describe("token verification", () => {
  let dir: string;
  let key: TestKey;
  let other: TestKey;
  let jwksFile: string;
  const now = Date.UTC(2026, 10, 1);
  const nowSec = Math.floor(now / 1000);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "auth-verifier-"));
    key = await createTestKey("k1");
    other = await createTestKey("k-unknown");
    jwksFile = join(dir, "jwks.json");
    writeFileSync(jwksFile, JSON.stringify(jwksOf(key)));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const verifier = (clock = () => now, cache = { maxEntries: 100, ttlMs: 60_000 }) =>
    new TokenVerifier({
      keys: fileKeySource(jwksFile),
      issuer: TEST_ISSUER,
      audience: TEST_AUDIENCE,
      algorithms: ["ES256"],
      clockToleranceSec: 5,
      requireExp: true,
      cache,
      now: clock,
    });

  const rejected: Array<{ name: string; token: () => Promise<string> | string; reason: RegExp }> = [
    { name: "an expired token is rejected", token: () => signToken(key, claims({ exp: nowSec - 60 }, nowSec)), reason: /expired/ },
    { name: "a token not yet valid is rejected", token: () => signToken(key, claims({ nbf: nowSec + 60 }, nowSec)), reason: /not yet valid/ },
    { name: "a token without exp is rejected", token: () => signToken(key, claims({ exp: undefined }, nowSec)), reason: /no exp claim/ },
    { name: "a token without sub is rejected", token: () => signToken(key, claims({ sub: undefined }, nowSec)), reason: /no sub claim/ },
    { name: "a token for another audience is rejected", token: () => signToken(key, claims({ aud: "someone-else" }, nowSec)), reason: /audience/ },
    { name: "a token from another issuer is rejected", token: () => signToken(key, claims({ iss: "urn:evil" }, nowSec)), reason: /issuer/ },
    { name: "an alg none token is rejected", token: () => unsecuredToken(claims({}, nowSec)), reason: /algorithm|malformed/ },
    { name: "an HS256 token signed with the public key is rejected", token: () => hs256WithPublicKey(key, claims({}, nowSec)), reason: /algorithm/ },
    {
      name: "a tampered payload is rejected",
      token: async () => tamperedToken(await signToken(key, claims({}, nowSec)), { roles: ["admin"] }),
      reason: /signature/,
    },
    { name: "a token signed by an unknown key is rejected", token: () => signToken(other, claims({}, nowSec)), reason: /key is unknown/ },
    { name: "a token naming a known kid but signed by another key is rejected", token: () => signToken(other, claims({}, nowSec), { kid: "k1" }), reason: /signature/ },
    { name: "garbage is rejected", token: () => "not.a.jwt", reason: /malformed|invalid/ },
  ];

  for (const c of rejected) {
    it(c.name, async () => {
      const result = await verifier().verify(await c.token());
      assert.equal(result.kind, "invalid");
      assert.match(result.kind === "invalid" ? result.reason : "", c.reason);
    });
  }

  it("a valid token yields the principal with its scopes, roles and claims", async () => {
    const token = await signToken(key, claims({}, nowSec));
    const result = await verifier().verify(token);
    assert.equal(result.kind, "valid");
    if (result.kind !== "valid") return;
    assert.equal(result.principal.subject, "u1");
    assert.deepEqual([...result.principal.scopes].sort(), ["deliveries:read", "orders:read", "orders:write", "payments:read", "payments:write"]);
    assert.deepEqual([...result.principal.roles], ["customer"]);
    assert.equal(result.principal.claims.email, "alice@example.com");
    assert.equal(result.principal.token, token);
    assert.equal(result.principal.expiresAt, nowSec + 305, "accepted until exp + the 5 s tolerance");
    assert.equal(result.principal.claims.exp, nowSec + 300);
  });

  it("a token expired by less than the clock tolerance is accepted, until exp + the tolerance", async () => {
    const result = await verifier().verify(await signToken(key, claims({ exp: nowSec - 3 }, nowSec)));
    assert.equal(result.kind, "valid");
    assert.equal(result.kind === "valid" && result.principal.expiresAt, nowSec + 2);
  });

  it("a cached token is trusted until exp + the tolerance, then refused as expired", async () => {
    let clock = now;
    const v = verifier(() => clock);
    const token = await signToken(key, claims({ exp: nowSec + 10 }, nowSec));
    assert.equal((await v.verify(token)).kind, "valid");
    clock = now + 14_000;
    assert.equal((await v.verify(token)).kind, "valid");
    clock = now + 16_000;
    const late = await v.verify(token);
    assert.equal(late.kind, "invalid");
    assert.equal(late.kind === "invalid" && late.expired, true);
  });

  it("a cached token returns the same principal without verifying again", async () => {
    const v = verifier();
    const token = await signToken(key, claims({}, nowSec));
    const first = await v.verify(token);
    const second = await v.verify(token);
    assert.ok(first.kind === "valid" && second.kind === "valid");
    assert.equal(first.principal, second.principal);
  });

  it("a JWKS file that is not a key set fails at start", () => {
    const bad = join(dir, "bad.json");
    writeFileSync(bad, "{}");
    assert.throws(() => fileKeySource(bad), /not a JWKS/);
    assert.throws(() => fileKeySource(join(dir, "missing.json")), /cannot read the JWKS file/);
  });
});
