/**
 * Service identities: the auth service's OAuth 2.0 client-credentials grant for the seeded
 * payments and delivery clients, their secrets hashed at rest, wrong secrets throttled like
 * failed logins, and short-lived tokens whose audience no user token shares.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import type { AuthSubgraph } from "../../subgraphs/auth/index.ts";
import { createIdentityVerifier, DEFAULT_SERVICE_AUDIENCE } from "../../subgraphs/shared/identity.ts";
import { gql, login, EMAILS, requestServiceToken, startTestAuth } from "../helpers/subgraphs.ts";

describe("auth subgraph: client-credentials grant for services", () => {
  let auth: AuthSubgraph;
  const delays: number[] = [];

  before(async () => {
    auth = await startTestAuth({
      serviceTokenTtlSeconds: 120,
      loginThrottle: { baseDelayMs: 100, maxDelayMs: 250, sleep: async (ms) => void delays.push(ms) },
    });
  });
  after(() => auth.close());

  it("issues a short-lived ES256 token for the services' audience, naming the client and its registered scopes", async () => {
    const { status, headers, body } = await requestServiceToken(auth.tokenUrl, "payments", "payments-demo-secret");
    assert.equal(status, 200);
    assert.equal(headers.get("cache-control"), "no-store");
    assert.deepEqual({ ...body, access_token: typeof body.access_token }, { access_token: "string", token_type: "Bearer", expires_in: 120, scope: "orders:mark-paid orders:mark-refunded" });
    assert.equal(decodeProtectedHeader(body.access_token).typ, "at+jwt");
    const { payload } = await jwtVerify(body.access_token, createRemoteJWKSet(new URL(auth.jwksUrl)), {
      issuer: "urn:federated-gateway:auth",
      audience: DEFAULT_SERVICE_AUDIENCE,
      algorithms: ["ES256"],
    });
    assert.equal(payload.sub, "payments");
    assert.equal(payload.client_id, "payments");
    assert.equal(payload.roles, undefined, "a service token carries no user roles");
    assert.equal(payload.exp! - payload.iat!, 120);
  });

  it("accepts the client's credentials in the form body too, and narrows to the scopes asked for", async () => {
    const response = await fetch(auth.tokenUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "client_credentials", client_id: "delivery", client_secret: "delivery-demo-secret", scope: "orders:read-status" }).toString(),
    });
    assert.equal(response.status, 200);
    assert.equal(((await response.json()) as { scope: string }).scope, "orders:read-status");
  });

  it("refuses a scope the client is not registered for, and other grant types", async () => {
    const wider = await requestServiceToken(auth.tokenUrl, "delivery", "delivery-demo-secret", { scope: "orders:read-status orders:mark-paid" });
    assert.equal(wider.status, 400);
    assert.equal(wider.body.error, "invalid_scope");
    const password = await requestServiceToken(auth.tokenUrl, "delivery", "delivery-demo-secret", { grant_type: "password" });
    assert.equal(password.status, 400);
    assert.equal(password.body.error, "unsupported_grant_type");
  });

  it("answers a wrong secret and an unknown client with the same 401 invalid_client", async () => {
    const wrong = await requestServiceToken(auth.tokenUrl, "payments", "not-the-secret");
    const unknown = await requestServiceToken(auth.tokenUrl, "nobody", "not-the-secret");
    for (const refused of [wrong, unknown]) {
      assert.equal(refused.status, 401);
      assert.deepEqual(refused.body, { error: "invalid_client", error_description: "Invalid client id or secret" });
      assert.match(refused.headers.get("www-authenticate") ?? "", /^Basic /);
    }
  });

  it("slows down secret guessing exactly like password guessing: delays after three failures, doubling to the cap", async () => {
    const clientId = "delivery";
    // Fresh key: this test's own failures only.
    delays.length = 0;
    for (let i = 0; i < 6; i++) assert.equal((await requestServiceToken(auth.tokenUrl, clientId, `guess-${i}`)).status, 401);
    assert.deepEqual(delays, [100, 200, 250], "attempts 4, 5 and 6 wait");
    delays.length = 0;
    for (let i = 0; i < 6; i++) await login(auth.url, EMAILS.carol, `wrong-${i}`);
    assert.deepEqual(delays, [100, 200, 250], "the same schedule as failed logins");
    delays.length = 0;
    assert.equal((await requestServiceToken(auth.tokenUrl, clientId, "delivery-demo-secret")).status, 200);
    assert.deepEqual(delays, [250], "the right secret waits its turn too, then clears the failures");
    delays.length = 0;
    await requestServiceToken(auth.tokenUrl, clientId, "delivery-demo-secret");
    assert.deepEqual(delays, []);
  });

  it("stores only scrypt hashes of the client secrets", () => {
    const rows = auth.db.prepare("SELECT client_id AS clientId, secret_hash AS hash, scopes FROM service_clients ORDER BY client_id").all() as { clientId: string; hash: string; scopes: string }[];
    assert.deepEqual(rows.map((r) => [r.clientId, JSON.parse(r.scopes)]), [["delivery", ["orders:read-status", "orders:record-delivery"]], ["orders", ["deliveries:record-order-status"]], ["payments", ["orders:mark-paid", "orders:mark-refunded"]]]);
    for (const row of rows) {
      assert.match(row.hash, /^scrypt\$16384\$8\$1\$[\w-]+\$[\w-]+$/);
      assert.ok(!row.hash.includes("demo-secret"));
    }
  });

  it("is told apart from a user by every subgraph's verifier: a service principal, never a user", async () => {
    const verify = createIdentityVerifier({ getKey: createRemoteJWKSet(new URL(auth.jwksUrl)), issuer: auth.issuer, audience: auth.audience });
    const { body } = await requestServiceToken(auth.tokenUrl, "payments", "payments-demo-secret");
    const service = await verify(`Bearer ${body.access_token}`);
    assert.deepEqual({ ...service, scopes: [...(service as { scopes: ReadonlySet<string> }).scopes] }, { kind: "service", clientId: "payments", scopes: ["orders:mark-paid", "orders:mark-refunded"] });
    const user = await verify(`Bearer ${(await login(auth.url, EMAILS.alice)).data!.login.accessToken}`);
    assert.equal(user.kind, "user");
    // And the auth service itself treats it as nobody's user.
    assert.deepEqual((await gql(auth.url, `{ me { id } }`, { token: body.access_token })).data, { me: null });
  });
});
