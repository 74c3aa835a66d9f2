import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from "jose";
import { createAuthSubgraph, type AuthSubgraph } from "../../subgraphs/auth/index.ts";
import { createOrdersSubgraph } from "../../subgraphs/orders/index.ts";
import type { SubgraphHandle } from "../../subgraphs/shared/service.ts";
import { codes, EMAILS, gql, login, startTestAuth, tempDir, testServiceOptions, TEST_LOG_LEVEL } from "../helpers/subgraphs.ts";

const REFRESH = `mutation Refresh($token: String!) { refreshToken(token: $token) { accessToken refreshToken expiresIn user { id } } }`;

describe("auth subgraph: refresh token rotation", () => {
  let auth: AuthSubgraph;
  let clock = Date.now();

  before(async () => {
    auth = await startTestAuth({ now: () => clock, refreshTokenTtlSeconds: 3600 });
  });
  after(() => auth.close());

  const refresh = (token: string) => gql(auth.url, REFRESH, { variables: { token } });
  const freshRefreshToken = async (email: string = EMAILS.alice) => (await login(auth.url, email)).data!.login.refreshToken;

  it("rotates: the successor works, carries a new access token, and the used token stops working", async () => {
    const first = await freshRefreshToken();
    const rotated = await refresh(first);
    assert.equal(rotated.errors, undefined);
    const second = rotated.data!.refreshToken.refreshToken as string;
    assert.notEqual(second, first);
    assert.equal(rotated.data!.refreshToken.user.id, "u1");
    assert.deepEqual((await gql(auth.url, "{ me { id } }", { token: rotated.data!.refreshToken.accessToken })).data, { me: { id: "u1" } });
    assert.equal((await refresh(second)).errors, undefined, "the successor rotates too");
    assert.deepEqual(codes(await refresh(first)), ["INVALID_REFRESH_TOKEN"], "the used token is refused");
  });

  it("revokes the whole family when an already-rotated token is presented again", async () => {
    const first = await freshRefreshToken();
    const second = (await refresh(first)).data!.refreshToken.refreshToken as string;
    const third = (await refresh(second)).data!.refreshToken.refreshToken as string;

    const replay = await refresh(first);
    assert.deepEqual(codes(replay), ["INVALID_REFRESH_TOKEN"]);
    assert.deepEqual(codes(await refresh(third)), ["INVALID_REFRESH_TOKEN"], "the newest token of the family is revoked too");
  });

  it("leaves other families alone when one is revoked", async () => {
    const mine = await freshRefreshToken(EMAILS.bob);
    const other = await freshRefreshToken(EMAILS.bob);
    await refresh(mine);
    await refresh(mine); // reuse: revokes mine's family only
    assert.equal((await refresh(other)).errors, undefined);
  });

  it("refuses unknown and expired tokens with the same code", async () => {
    assert.deepEqual(codes(await refresh("not-a-token")), ["INVALID_REFRESH_TOKEN"]);
    const token = await freshRefreshToken();
    clock += 3601_000;
    try {
      assert.deepEqual(codes(await refresh(token)), ["INVALID_REFRESH_TOKEN"]);
    } finally {
      clock -= 3601_000;
    }
  });

  it("stores refresh tokens only as SHA-256 hashes", async () => {
    const token = await freshRefreshToken();
    const rows = auth.db.prepare("SELECT * FROM refresh_tokens").all() as Record<string, unknown>[];
    assert.ok(!JSON.stringify(rows).includes(token));
    const hash = createHash("sha256").update(token).digest("hex");
    assert.equal(rows.filter((row) => row.token_hash === hash).length, 1);
  });
});

const fetchJwks = async (auth: AuthSubgraph) => (await (await fetch(auth.jwksUrl)).json()) as JSONWebKeySet;
const accessToken = async (auth: AuthSubgraph, email: string = EMAILS.alice) => (await login(auth.url, email)).data!.login.accessToken;
const verifies = async (token: string, jwks: JSONWebKeySet) =>
  jwtVerify(token, createLocalJWKSet(jwks), { issuer: "urn:federated-gateway:auth", audience: "federated-gateway" }).then(
    () => true,
    () => false,
  );

describe("auth subgraph: signing key rotation", () => {
  let clock = Date.now();
  let auth: AuthSubgraph;
  let orders: SubgraphHandle;

  before(async () => {
    auth = await startTestAuth({ now: () => clock, accessTokenTtlSeconds: 600 });
    orders = await createOrdersSubgraph(testServiceOptions(auth));
  });
  after(async () => {
    await orders.close();
    await auth.close();
  });

  it("signs with the new key while the old one stays published, so old and new tokens both verify", async () => {
    const oldToken = await accessToken(auth);
    const { kid } = await auth.rotateSigningKey();
    const newToken = await accessToken(auth);
    assert.equal(decodeProtectedHeader(newToken).kid, kid);
    assert.notEqual(decodeProtectedHeader(oldToken).kid, kid);

    const jwks = await fetchJwks(auth);
    assert.equal(jwks.keys.length, 2);
    assert.ok(await verifies(oldToken, jwks));
    assert.ok(await verifies(newToken, jwks));
  });

  it("lets another subgraph accept tokens of a key rotated after it cached the JWKS", async () => {
    const query = "{ orders(first: 1) { totalCount } }";
    const before = await gql(orders.url, query, { token: await accessToken(auth) });
    assert.equal(before.errors, undefined);
    await auth.rotateSigningKey();
    const afterRotation = await gql(orders.url, query, { token: await accessToken(auth) });
    assert.equal(afterRotation.errors, undefined);
  });

  it("retires a replaced key after twice the token lifetime, and its tokens stop verifying", async () => {
    const oldToken = await accessToken(auth);
    await auth.rotateSigningKey();
    clock += 2 * 600_000 + 1000;
    try {
      const jwks = await fetchJwks(auth);
      assert.equal(jwks.keys.length, 1);
      assert.equal(await verifies(oldToken, jwks), false);
      const refused = await gql(auth.url, "{ me { id } }", { token: oldToken });
      assert.equal(refused.status, 401, "a token of a retired key is refused, not read as anonymous");
    } finally {
      clock -= 2 * 600_000 + 1000;
    }
  });
});

describe("auth subgraph: key persistence", () => {
  it("keeps its signing keys across a restart on the same database file", async () => {
    const dir = tempDir();
    const dbPath = join(dir.path, "auth.db");
    try {
      const first = await createAuthSubgraph({ dbPath, port: 0, logLevel: TEST_LOG_LEVEL });
      const token = await accessToken(first);
      const jwksBefore = await fetchJwks(first);
      await first.close();

      const second = await createAuthSubgraph({ dbPath, port: 0, logLevel: TEST_LOG_LEVEL });
      try {
        assert.deepEqual(await fetchJwks(second), jwksBefore);
        assert.deepEqual((await gql(second.url, "{ me { id } }", { token })).data, { me: { id: "u1" } });
      } finally {
        await second.close();
      }
    } finally {
      dir.cleanup();
    }
  });
});
