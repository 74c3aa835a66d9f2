import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { validateConfig } from "../../../gateway/src/config/load.ts";

const base = { jwks: { url: "http://127.0.0.1:4001/.well-known/jwks.json" }, issuer: "urn:i", audience: "a" };

describe("auth configuration", () => {
  it("the auth section is optional", () => {
    assert.equal(validateConfig({}, {}).auth, undefined);
  });

  it("defaults are applied", () => {
    const auth = validateConfig({ auth: base }, {}).auth!;
    assert.deepEqual(auth.algorithms, ["ES256"]);
    assert.equal(auth.clockToleranceSec, 5);
    assert.equal(auth.requireExp, true);
    assert.equal(auth.onUnauthorized, "filter");
    assert.deepEqual(auth.tokenCache, { maxEntries: 10_000, ttlMs: 60_000 });
    assert.deepEqual(auth.jwks, { url: base.jwks.url, timeoutMs: 2_000, cooldownMs: 1_000, maxAgeMs: 300_000 });
    assert.deepEqual(auth.policies, {});
  });

  for (const alg of ["none", "NONE", "HS256", "hs512"]) {
    it(`the algorithm ${alg} is refused at validation`, () => {
      assert.throws(() => validateConfig({ auth: { ...base, algorithms: [alg] } }, {}), /auth\.algorithms\.0/);
    });
  }

  it("a policy must be a function", () => {
    assert.throws(() => validateConfig({ auth: { ...base, policies: { courier: true } } }, {}), /auth\.policies\.courier/);
  });

  it("policy functions survive validation and freezing", () => {
    const courier = () => true;
    assert.equal(validateConfig({ auth: { ...base, policies: { courier } } }, {}).auth!.policies.courier, courier);
  });

  it("a local JWKS file is accepted instead of a URL", () => {
    assert.deepEqual(validateConfig({ auth: { ...base, jwks: { file: "keys.json" } } }, {}).auth!.jwks, { file: "keys.json" });
  });

  it("unknown keys are errors", () => {
    assert.throws(() => validateConfig({ auth: { ...base, audiences: ["x"] } }, {}), /auth/);
  });
});
