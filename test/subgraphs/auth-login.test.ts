import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import type { AuthSubgraph } from "../../subgraphs/auth/index.ts";
import { codes, EMAILS, gql, login, representations, startTestAuth, tokensFor } from "../helpers/subgraphs.ts";

const CUSTOMER_SCOPES = "orders:read orders:write payments:read payments:write deliveries:read";

describe("auth subgraph: login and identity", () => {
  let auth: AuthSubgraph;
  const delays: number[] = [];

  before(async () => {
    // The recorder replaces the real wait so the throttle test measures without sleeping.
    auth = await startTestAuth({
      loginThrottle: { baseDelayMs: 100, maxDelayMs: 250, sleep: async (ms) => void delays.push(ms) },
    });
  });
  after(() => auth.close());

  it("issues an ES256 access token that verifies against the JWKS endpoint with the documented claims", async () => {
    const { data, errors } = await login(auth.url, EMAILS.alice);
    assert.equal(errors, undefined);
    const payload = data!.login;
    assert.equal(payload.tokenType, "Bearer");
    assert.equal(payload.expiresIn, 900);
    assert.deepEqual(payload.user, { id: "u1", email: EMAILS.alice, roles: ["customer"] });
    assert.match(payload.refreshToken, /^[\w-]{43}$/, "32 random bytes, base64url");

    const header = decodeProtectedHeader(payload.accessToken);
    assert.equal(header.alg, "ES256");
    assert.ok(header.kid);
    const jwks = createRemoteJWKSet(new URL(auth.jwksUrl));
    const { payload: claims } = await jwtVerify(payload.accessToken, jwks, {
      issuer: "urn:federated-gateway:auth",
      audience: "federated-gateway",
      algorithms: ["ES256"],
    });
    assert.equal(claims.sub, "u1");
    assert.deepEqual(claims.roles, ["customer"]);
    assert.equal(claims.scope, CUSTOMER_SCOPES);
    assert.equal(claims.email, EMAILS.alice);
    assert.equal(claims.exp! - claims.iat!, 900);
  });

  it("publishes public keys only, each with kid, alg and use", async () => {
    const response = await fetch(auth.jwksUrl);
    assert.equal(response.status, 200);
    const { keys } = (await response.json()) as { keys: Record<string, string>[] };
    assert.ok(keys.length >= 1);
    for (const key of keys) {
      assert.equal(key.alg, "ES256");
      assert.equal(key.use, "sig");
      assert.ok(key.kid);
      assert.equal(key.d, undefined, "no private component");
    }
  });

  it("gives couriers and admins the scopes of their roles", async () => {
    const tokens = await tokensFor(auth.url, ["carol", "admin"]);
    const scopeOf = (token: string) => JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()).scope as string;
    assert.equal(scopeOf(tokens.carol), "deliveries:read deliveries:write orders:read");
    assert.deepEqual(new Set(scopeOf(tokens.admin).split(" ")), new Set([...CUSTOMER_SCOPES.split(" "), "deliveries:write", "admin"]));
  });

  it("answers a wrong password and an unknown email with the identical generic error", async () => {
    const headers = { "x-forwarded-for": "203.0.113.1" };
    const wrongPassword = await login(auth.url, EMAILS.bob, "not-the-password", headers);
    const unknownEmail = await login(auth.url, "nobody@example.com", "not-the-password", headers);
    assert.deepEqual(codes(wrongPassword), ["INVALID_CREDENTIALS"]);
    assert.equal(wrongPassword.data, null);
    assert.deepEqual(unknownEmail.errors, wrongPassword.errors);
  });

  it("delays attempts after three failures per email and client, doubling up to the cap, and a success resets it", async () => {
    const client = { "x-forwarded-for": "198.51.100.7" };
    delays.length = 0;
    for (let i = 0; i < 6; i++) assert.deepEqual(codes(await login(auth.url, EMAILS.alice, "wrong", client)), ["INVALID_CREDENTIALS"]);
    assert.deepEqual(delays, [100, 200, 250], "attempts 4, 5 and 6 wait");

    delays.length = 0;
    await login(auth.url, EMAILS.alice, "wrong", { "x-forwarded-for": "198.51.100.8" });
    assert.deepEqual(delays, [], "another client is not slowed down");

    assert.equal((await login(auth.url, EMAILS.alice, undefined, client)).errors, undefined);
    delays.length = 0;
    await login(auth.url, EMAILS.alice, "wrong", client);
    assert.deepEqual(delays, [], "the success cleared the failures");
  });

  it("answers me with the caller, null for an anonymous caller, and 401 INVALID_TOKEN for a forged token", async () => {
    const { bob } = await tokensFor(auth.url, ["bob"]);
    assert.deepEqual((await gql(auth.url, "{ me { id name email } }", { token: bob })).data, {
      me: { id: "u2", name: "Bob Example", email: EMAILS.bob },
    });
    assert.deepEqual((await gql(auth.url, "{ me { id } }")).data, { me: null });
    const [head, body] = bob.split(".");
    const forged = `${head}.${body}.${"A".repeat(86)}`;
    const refused = await gql(auth.url, "{ me { id } }", { token: forged });
    assert.equal(refused.status, 401);
    assert.deepEqual(codes(refused), ["INVALID_TOKEN"]);
  });

  it("lets a customer read only their own user, and an admin any user", async () => {
    const { bob, admin } = await tokensFor(auth.url, ["bob", "admin"]);
    const query = `query ($id: ID!) { user(id: $id) { id roles } }`;
    const other = await gql(auth.url, query, { token: bob, variables: { id: "u1" } });
    assert.deepEqual(codes(other), ["FORBIDDEN"]);
    assert.deepEqual(other.data, { user: null });
    assert.deepEqual((await gql(auth.url, query, { token: bob, variables: { id: "u2" } })).data, { user: { id: "u2", roles: ["customer"] } });
    assert.deepEqual((await gql(auth.url, query, { token: admin, variables: { id: "u3" } })).data, { user: { id: "u3", roles: ["courier"] } });
    assert.deepEqual(codes(await gql(auth.url, query, { variables: { id: "u1" } })), ["UNAUTHENTICATED"]);
  });

  it("resolves many User references with one SQL query", async () => {
    const { admin } = await tokensFor(auth.url, ["admin"]);
    const ids = ["u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "u404"];
    const before = auth.sqlCount();
    const result = await gql(auth.url, `query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { id name } } }`, {
      token: admin,
      variables: { r: representations("User", ids) },
    });
    assert.equal(auth.sqlCount() - before, 1);
    assert.equal(result.data!._entities.length, ids.length);
    assert.equal(result.data!._entities.at(-1), null, "an unknown id resolves to null");
  });

  it("serves GET /healthz with 200 JSON", async () => {
    const response = await fetch(`${auth.origin}/healthz`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { status: "ok", service: "auth" });
  });
});

describe("auth subgraph: configuration", () => {
  it("uses the configured access token lifetime", async () => {
    const auth = await startTestAuth({ accessTokenTtlSeconds: 60 });
    try {
      const { data } = await login(auth.url, EMAILS.bob);
      assert.equal(data!.login.expiresIn, 60);
      const claims = JSON.parse(Buffer.from(data!.login.accessToken.split(".")[1]!, "base64url").toString());
      assert.equal(claims.exp - claims.iat, 60);
    } finally {
      await auth.close();
    }
  });
});
