/**
 * Authentication and directive-based authorization, end to end: a real gateway in front of
 * the real subgraphs (each behind a recording proxy, to see exactly what it received).
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { composeServices } from "@apollo/composition";
import { parse } from "graphql";
import { exportSPKI, importJWK, SignJWT, type JWK } from "jose";
import demoConfig from "../../gateway/gateway.config.ts";
import type { GatewayConfigInput } from "../../gateway/src/config/schema.ts";
import { KeyStore } from "../../subgraphs/auth/keys.ts";
import { startTestGateway, type TestGateway } from "../helpers/gateway.ts";
import { startRecordingProxy, type RecordingProxy } from "../helpers/recording-proxy.ts";
import { codes, DEMO_PASSWORD, EMAILS, gql, tempDir } from "../helpers/subgraphs.ts";
import { startTestSubgraphs, type TestSubgraphs } from "../helpers/system.ts";
import { claims, createTestKey, signToken, tamperedToken, unsecuredToken } from "../helpers/tokens.ts";

type Name = "auth" | "orders" | "delivery" | "payments";
const names: Name[] = ["auth", "orders", "delivery", "payments"];

let subgraphs: TestSubgraphs;
let proxies: Record<Name, RecordingProxy>;
let gateway: TestGateway;
const extraGateways: TestGateway[] = [];
let alice: string;
let bob: string;

/** Gateway config routed through the recording proxies, with the demo auth section over the test JWKS. */
function configWith(overrides: GatewayConfigInput = {}, auth: Partial<NonNullable<GatewayConfigInput["auth"]>> | false = {}): GatewayConfigInput {
  const routing = Object.fromEntries(names.map((n) => [n, { url: proxies[n].url }]));
  const all = overrides.subgraphs?.all ?? {};
  return {
    ...overrides,
    // Active health checks are off: these tests are about authorization, and the proxies' records must hold only client fetches.
    subgraphs: { ...overrides.subgraphs, ...routing, all: { ...all, healthCheck: { enabled: false } } },
    ...(auth === false ? {} : { auth: { ...demoConfig.auth!, jwks: { url: subgraphs.auth.jwksUrl, cooldownMs: 100 }, ...auth } }),
  };
}

async function extraGateway(config: GatewayConfigInput, options: { captureLogs?: boolean } = {}): Promise<TestGateway> {
  const started = await startTestGateway(config, options);
  extraGateways.push(started);
  return started;
}

/** Signs a token with the auth service's own current key: only the claims under test are unusual. */
async function signWithAuthKey(payload: Record<string, unknown>): Promise<string> {
  const { kid, key } = await new KeyStore({ db: subgraphs.auth.db, now: Date.now, retireAfterMs: 60_000 }).signingKey();
  return new SignJWT(payload).setProtectedHeader({ alg: "ES256", kid, typ: "JWT" }).sign(key);
}

async function login(url: string, email: string): Promise<string> {
  const r = await gql<{ login: { accessToken: string } }>(url, `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }`, {
    variables: { e: email, p: DEMO_PASSWORD },
  });
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  return r.data!.login.accessToken;
}

const clearRecords = () => names.forEach((n) => (proxies[n].requests.length = 0));

before(async () => {
  subgraphs = await startTestSubgraphs();
  const started = await Promise.all(names.map((n) => startRecordingProxy(subgraphs.routing[n].url)));
  proxies = Object.fromEntries(names.map((n, i) => [n, started[i]!])) as Record<Name, RecordingProxy>;
  gateway = await startTestGateway(configWith({ subgraphs: { all: { propagateHeaders: ["authorization", "x-demo"] } } }));
  [alice, bob] = await Promise.all([login(gateway.url, EMAILS.alice), login(gateway.url, EMAILS.bob)]);
});

after(async () => {
  await Promise.all([gateway?.stop(), ...extraGateways.map((g) => g.stop())]);
  await Promise.all(Object.values(proxies ?? {}).map((p) => p.close()));
  await subgraphs?.close();
});

const ORDERS_WITH_PAYMENT = `{ orders(first: 3) { totalCount edges { node { id totalCents payment { status } } } } }`;

describe("authorization through the gateway", () => {
  it("a customer's token from login reads their own orders", async () => {
    const r = await gql(gateway.url, `{ me { id } orders(first: 3) { edges { node { id user { id } } } } }`, { token: alice });
    assert.equal(r.status, 200);
    assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    const data = r.data as any;
    assert.equal(data.me.id, "u1");
    assert.ok(data.orders.edges.length > 0);
    for (const { node } of data.orders.edges) assert.equal(node.user.id, "u1");
  });

  it("another customer's order is null with an error", async () => {
    const mine = await gql(gateway.url, `{ orders(first: 1) { edges { node { id } } } }`, { token: alice });
    const aliceOrder = (mine.data as any).orders.edges[0].node.id as string;
    const r = await gql(gateway.url, `query($id: ID!) { order(id: $id) { id totalCents } }`, { token: bob, variables: { id: aliceOrder } });
    assert.deepEqual(r.data, { order: null });
    assert.ok((r.errors ?? []).length >= 1);
  });

  it("a missing scope removes the field with an error at its path and keeps the rest of the data", async () => {
    const noPayments = await signWithAuthKey(claims({ scope: "orders:read orders:write deliveries:read" }));
    clearRecords();
    const r = await gql(gateway.url, ORDERS_WITH_PAYMENT, { token: noPayments });
    assert.equal(r.status, 200);
    const edges = (r.data as any).orders.edges as Array<{ node: Record<string, unknown> }>;
    assert.ok(edges.length > 0);
    for (const { node } of edges) {
      assert.equal(typeof node.id, "string");
      assert.equal(typeof node.totalCents, "number");
      assert.equal(node.payment, null);
    }
    assert.deepEqual(r.errors, [
      { message: "Unauthorized field or type", path: ["orders", "edges", "@", "node", "payment"], extensions: { code: "UNAUTHORIZED_FIELD_OR_TYPE", requestId: r.headers.get("x-request-id") } },
    ]);
    assert.equal(proxies.payments.requests.length, 0, "the payments subgraph is never asked for a removed field");
    assert.ok(proxies.orders.requests.every((q) => !q.query.includes("payment")));
  });

  it("one caller's filtered query plan is never reused for another caller", async () => {
    const noPayments = await signWithAuthKey(claims({ scope: "orders:read" }));
    for (const [token, expectPayments] of [[alice, true], [noPayments, false], [alice, true], [noPayments, false]] as const) {
      const r = await gql(gateway.url, ORDERS_WITH_PAYMENT, { token });
      const payments = ((r.data as any).orders.edges as Array<{ node: { payment: unknown } }>).map((e) => e.node.payment);
      assert.equal(payments.some((p) => p !== null), expectPayments, JSON.stringify(r.errors));
      assert.equal(codes(r).includes("UNAUTHORIZED_FIELD_OR_TYPE"), !expectPayments);
    }
  });

  it("an anonymous caller gets public fields and null with an error for protected ones, which no subgraph sees", async () => {
    clearRecords();
    const r = await gql(gateway.url, `{ me { id } order(id: "o1") { id } }`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.data, { me: null, order: null });
    assert.deepEqual(r.errors?.map((e) => [e.path, e.extensions?.code]), [[["order"], "UNAUTHORIZED_FIELD_OR_TYPE"]]);
    assert.equal(proxies.orders.requests.length, 0);
  });

  it("a courier-only mutation is removed for a customer before it can run", async () => {
    clearRecords();
    const r = await gql(gateway.url, `mutation { updateDeliveryStatus(orderId: "o1", status: DELIVERED) { status } }`, { token: alice });
    assert.equal(r.data, null, "the removed field is non-null, so data is null");
    assert.deepEqual(codes(r), ["UNAUTHORIZED_FIELD_OR_TYPE"]);
    assert.equal(proxies.delivery.requests.length, 0);
  });

  it("subgraphs receive the verified token and nothing the client claims about identity", async () => {
    clearRecords();
    await gql(gateway.url, `{ me { id } }`, { token: alice, headers: { "x-demo": "1" } });
    assert.equal(proxies.auth.requests[0]?.headers.authorization, `Bearer ${alice}`);
    assert.equal(proxies.auth.requests[0]?.headers["x-demo"], "1");
    clearRecords();
    await gql(gateway.url, `{ me { id } }`);
    assert.equal(proxies.auth.requests[0]?.headers.authorization, undefined);
  });

  it("without an auth config the gateway warns that the directives are not enforced and forwards no client authorization", async () => {
    const open = await extraGateway(configWith({ subgraphs: { all: { propagateHeaders: ["authorization"] } } }, false), { captureLogs: true });
    assert.ok(open.logs.some((l) => l.level === "warn" && String(l.msg).includes("NOT enforced")));
    clearRecords();
    const r = await gql(open.url, `{ me { id } }`, { token: alice });
    assert.deepEqual(r.data, { me: null });
    assert.equal(proxies.auth.requests[0]?.headers.authorization, undefined);
  });

  it("reject mode refuses the whole operation with 403 and calls no subgraph", async () => {
    const strict = await extraGateway(configWith({}, { onUnauthorized: "reject" }));
    clearRecords();
    const r = await gql(strict.url, `{ me { id } order(id: "o1") { id } }`);
    assert.equal(r.status, 403);
    assert.equal(r.data, undefined);
    assert.deepEqual(r.errors?.map((e) => [e.path, e.extensions?.code]), [[["order"], "UNAUTHORIZED_FIELD_OR_TYPE"]]);
    assert.deepEqual([...proxies.orders.requests, ...proxies.auth.requests].map((q) => q.query), []);
    const allowed = await gql(strict.url, `{ me { id } }`, { token: alice });
    assert.deepEqual(allowed.data, { me: { id: "u1" } });
  });
});

describe("authentication at the edge", () => {
  const now = () => Math.floor(Date.now() / 1000);
  const matrix: Array<{ name: string; token: () => Promise<string> | string; code?: string }> = [
    // However long ago it expired: a client refreshes on TOKEN_EXPIRED.
    { name: "an expired token", token: () => signWithAuthKey(claims({ iat: now() - 600, exp: now() - 60 })), code: "TOKEN_EXPIRED" },
    { name: "a token not yet valid", token: () => signWithAuthKey(claims({ nbf: now() + 120 })) },
    { name: "a token for another audience", token: () => signWithAuthKey(claims({ aud: "another-api" })) },
    { name: "a token from another issuer", token: () => signWithAuthKey(claims({ iss: "urn:somebody-else" })) },
    { name: "a token without an expiry", token: () => signWithAuthKey(claims({ exp: undefined })) },
    { name: "an alg none token", token: () => unsecuredToken(claims({ sub: "u4", roles: ["admin"] })) },
    {
      name: "an HS256 token signed with the issuer's public key",
      token: async () => {
        const jwks = (await (await fetch(subgraphs.auth.jwksUrl)).json()) as { keys: JWK[] };
        const jwk = jwks.keys[0]!;
        const pem = await exportSPKI((await importJWK(jwk, "ES256")) as Parameters<typeof exportSPKI>[0]);
        return new SignJWT(claims({ roles: ["admin"] })).setProtectedHeader({ alg: "HS256", kid: jwk.kid! }).sign(new TextEncoder().encode(pem));
      },
    },
    { name: "a tampered payload", token: () => tamperedToken(alice, { sub: "u2", roles: ["admin"] }) },
    { name: "a token with an unknown kid", token: async () => signToken(await createTestKey("not-published")) },
  ];

  for (const c of matrix) {
    it(`${c.name} gets 401 with a WWW-Authenticate challenge`, async () => {
      const r = await gql(gateway.url, `{ __typename }`, { token: await c.token() });
      assert.equal(r.status, 401);
      assert.match(r.headers.get("www-authenticate") ?? "", /^Bearer error="invalid_token"/);
      assert.deepEqual(codes(r), [c.code ?? "UNAUTHENTICATED"]);
    });
  }

  it("a non-Bearer authorization header gets 401", async () => {
    const r = await gql(gateway.url, `{ __typename }`, { headers: { authorization: "Basic YWxpY2U6cGFzcw==" } });
    assert.equal(r.status, 401);
    assert.match(r.headers.get("www-authenticate") ?? "", /^Bearer error="invalid_request"/);
    assert.deepEqual(codes(r), ["UNAUTHENTICATED"]);
  });

  it("with the JWKS unreachable and no key cached, a token gets a quick 503, not a crash or a hang", async () => {
    const closed = await startRecordingProxy("http://127.0.0.1:9/never");
    const jwksUrl = closed.url.replace("/graphql", "/jwks.json");
    await closed.close();
    const blind = await extraGateway(configWith({}, { jwks: { url: jwksUrl, timeoutMs: 300 } }));
    const started = Date.now();
    const r = await gql(blind.url, `{ __typename }`, { token: alice });
    assert.equal(r.status, 503);
    assert.deepEqual(codes(r), ["AUTH_UNAVAILABLE"]);
    assert.ok(Date.now() - started < 2_000);
    assert.deepEqual((await gql(blind.url, `{ __typename }`)).data, { __typename: "Query" }, "anonymous requests still work");
  });

  it("a key rotation under a stream of requests fails none of them", async () => {
    let current = alice;
    let stop = false;
    const statuses: number[] = [];
    const worker = async () => {
      while (!stop) {
        const r = await gql(gateway.url, `{ me { id } }`, { token: current });
        statuses.push(r.status);
        assert.deepEqual(r.data, { me: { id: "u1" } }, JSON.stringify(r.errors));
      }
    };
    // Each phase lasts a number of requests, not a time, so a loaded machine cannot thin the stream out.
    const atLeast = async (more: number) => {
      const target = statuses.length + more;
      const deadline = Date.now() + 20_000;
      while (statuses.length < target && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    };
    const workers = [worker(), worker(), worker()];
    try {
      await atLeast(10);
      await subgraphs.auth.rotateSigningKey();
      // Tokens signed by the new key start arriving at once; the old key's tokens keep working.
      current = await login(gateway.url, EMAILS.alice);
      await atLeast(20);
      current = alice;
      await atLeast(10);
    } finally {
      stop = true;
      await Promise.all(workers);
    }
    assert.ok(statuses.length >= 40, `only ${statuses.length} requests ran`);
    assert.ok(statuses.every((s) => s === 200));
  });
});

describe("enforcement follows the composed supergraph", () => {
  it("recomposing a subgraph SDL with a new directive changes enforcement after reload", async () => {
    const dir = tempDir("auth-supergraph-");
    try {
      const path = join(dir.path, "supergraph.graphql");
      writeFileSync(path, readFileSync("schema/supergraph.graphql", "utf8"));
      const g = await extraGateway(configWith({ supergraph: { path, watch: false } }));
      assert.deepEqual((await gql(g.url, `{ me { id name } }`, { token: alice })).data, { me: { id: "u1", name: "Alice Example" } });
      const anonymousBefore = await gql(g.url, `{ me { id } }`);
      assert.deepEqual(anonymousBefore.data, { me: null });
      assert.equal(anonymousBefore.errors, undefined);

      const services = names.map((name) => {
        let sdl = readFileSync(`schema/${name}.graphql`, "utf8");
        if (name === "auth") sdl = sdl.replace("me: User\n", "me: User @requiresScopes(scopes: [[\"profile:read\"]])\n");
        return { name, url: subgraphs.routing[name].url, typeDefs: parse(sdl) };
      });
      const composed = composeServices(services);
      assert.equal(composed.errors, undefined, JSON.stringify(composed.errors));
      writeFileSync(path, composed.supergraphSdl!);
      assert.equal(g.supergraph.reload(), true);

      const after = await gql(g.url, `{ me { id } }`, { token: alice });
      assert.deepEqual(after.data, { me: null });
      assert.deepEqual(after.errors?.map((e) => [e.path, e.extensions?.code]), [[["me"], "UNAUTHORIZED_FIELD_OR_TYPE"]]);
    } finally {
      dir.cleanup();
    }
  });
});
