/**
 * The payment provider's REST API joined into the graph by Apollo Connectors
 * (schema/payment-provider.graphql), against the real provider, subgraphs and gateway on
 * 127.0.0.1: charge status read with orders in one request, batched entity lookups, refunds
 * with an idempotency key, HTTP errors as field errors, and the provider's instances behind the
 * same balancing, retry and ejection as GraphQL subgraphs.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createPaymentProvider, type PaymentProvider } from "../../services/payment-provider/index.ts";
import { startFaultProxy } from "../helpers/fault-proxy.ts";
import { postGraphQL, startTestGateway } from "../helpers/gateway.ts";
import { demoAuth, startTestSubgraphs, startTestSystem, type TestSystem } from "../helpers/system.ts";
import { tempDir, TEST_LOG_LEVEL, tokensFor } from "../helpers/subgraphs.ts";

const ORDERS_WITH_CHARGES = `{ orders(first: 10) { edges { node { id totalCents payment { id amountCents charge { id status amountCents paymentId } } } } } }`;
const CHARGE = `query ($id: ID!) { providerCharge(id: $id) { id status amountCents } }`;
const REFUND = `mutation ($charge: ID!, $key: String!) { refundCharge(chargeId: $charge, idempotencyKey: $key) { id chargeId amountCents status } }`;
const chargeReads = (provider: PaymentProvider, from = 0) => provider.received.slice(from).filter((r) => r.method === "GET" && r.url.startsWith("/v1/charges"));

describe("REST services joined by connectors", () => {
  let system: TestSystem;
  let tokens: Record<"alice" | "admin", string>;
  let providers: PaymentProvider[];
  let dir: { path: string; cleanup: () => void };
  const ask = (query: string, token: string, variables?: Record<string, unknown>) => postGraphQL(system.gateway.url, query, variables, { authorization: `Bearer ${token}` });

  before(async () => {
    // Two provider instances on one file, as `npm start` runs them; the gateway balances over them.
    dir = tempDir("connectors-");
    providers = [];
    for (let i = 0; i < 2; i++) providers.push(await createPaymentProvider({ dbPath: join(dir.path, "provider.db"), port: 0, logLevel: TEST_LOG_LEVEL }));
    system = await startTestSystem((s) => ({
      auth: demoAuth(s),
      operations: { persisted: { manifest: "gateway/operations.json", mode: "allow" } },
      subgraphs: {
        all: { healthCheck: { enabled: false } },
        "payment-provider": { instances: providers.map((p) => ({ url: p.url, weight: 1 })), balancer: "round-robin", outlierDetection: { consecutiveFailures: 3 } },
      },
    }));
    tokens = await tokensFor(system.subgraphs.auth.url, ["alice", "admin"]);
  });
  after(async () => {
    await system.close();
    await Promise.all(providers.map((p) => p.close()));
    dir.cleanup();
  });

  it("reads the provider's live charge status together with orders and payments in one request", async () => {
    const result = await ask(ORDERS_WITH_CHARGES, tokens.alice);
    assert.equal(result.body.errors, undefined, JSON.stringify(result.body.errors));
    const paid = (result.body.data!.orders as any).edges.map((e: any) => e.node).filter((n: any) => n.payment);
    assert.ok(paid.length > 0, "alice has paid orders in the seed");
    for (const order of paid) {
      assert.deepEqual(order.payment.charge, { id: `ch_${order.payment.id}`, status: order.payment.charge.status, amountCents: order.payment.amountCents, paymentId: order.payment.id });
      assert.match(order.payment.charge.status, /^(succeeded|failed|refunded)$/);
    }
  });

  it("serves the same join as a REST endpoint for clients (GET /api/charges)", async () => {
    const response = await fetch(system.gateway.url.replace("/graphql", "/api/charges?first=5"), { headers: { authorization: `Bearer ${tokens.alice}` } });
    assert.equal(response.status, 200);
    const body = (await response.json()) as { edges: Array<{ node: { payment: { charge: { status: string } | null } | null } }> };
    assert.ok(body.edges.some((e) => typeof e.node.payment?.charge?.status === "string"), JSON.stringify(body).slice(0, 300));
  });

  it("sends one provider request for a page of charges ($batch), whatever the number of payments", async () => {
    const before = providers.map((p) => p.received.length);
    const result = await ask(ORDERS_WITH_CHARGES, tokens.alice);
    const paid = (result.body.data!.orders as any).edges.filter((e: any) => e.node.payment).length;
    const reads = providers.flatMap((p, i) => chargeReads(p, before[i]));
    assert.ok(paid > 1, `a page with several payments (${paid})`);
    assert.equal(reads.length, 1, `one batch request for ${paid} charges: ${reads.map((r) => r.url).join(" ")}`);
    assert.match(reads[0]!.url, /^\/v1\/charges\?ids=ch_p\d+(,ch_p\d+)+$/);
  });

  it("refunds through the gateway once per idempotency key, however often the mutation is repeated", async () => {
    const charge = (await ask(`{ orders(first: 20) { edges { node { payment { charge { id status } } } } } }`, tokens.alice)).body.data!.orders as any;
    const target = charge.edges.map((e: any) => e.node.payment?.charge).find((c: any) => c?.status === "succeeded");
    assert.ok(target, "a succeeded charge to refund");
    const attempts = [];
    for (let i = 0; i < 3; i++) attempts.push(await ask(REFUND, tokens.admin, { charge: target.id, key: `refund-${target.id}` }));
    for (const a of attempts) assert.equal(a.body.errors, undefined, JSON.stringify(a.body.errors));
    assert.equal(new Set(attempts.map((a) => (a.body.data!.refundCharge as any).id)).size, 1, "the same refund every time");
    assert.equal(providers[0]!.db.prepare("SELECT count(*) FROM refunds WHERE charge_id = ?").pluck().get(target.id), 1);
    const keys = providers.flatMap((p) => p.received.filter((r) => r.url === "/v1/refunds").map((r) => r.idempotencyKey));
    assert.equal(keys.length, 3);
    assert.ok(keys.every((k) => k === `refund-${target.id}`), "the key went to the provider as its Idempotency-Key header");
    const after = await ask(CHARGE, tokens.admin, { id: target.id });
    assert.equal((after.body.data!.providerCharge as any).status, "refunded");
  });

  it("maps a refused refund's message and code through the connector's errors mapping, with the status", async () => {
    const refunded = providers[0]!.db.prepare("SELECT id FROM charges WHERE status = 'refunded' LIMIT 1").pluck().get() as string;
    const result = await ask(REFUND, tokens.admin, { charge: refunded, key: `again-${refunded}` });
    const [error] = result.body.errors!;
    assert.equal(error!.message, "A refunded charge cannot be refunded");
    assert.deepEqual(
      { code: error!.extensions!.code, status: error!.extensions!.status, providerCode: error!.extensions!.providerCode, connector: error!.extensions!.connector },
      { code: "CONNECTOR_HTTP_ERROR", status: 400, providerCode: "charge_already_refunded", connector: "Mutation.refundCharge" },
    );
  });

  it("refuses an idempotency key that is not a valid header value without calling the provider", async () => {
    const before = providers.map((p) => p.received.length);
    const result = await ask(REFUND, tokens.admin, { charge: "ch_p1", key: "a\r\nx-injected: 1" });
    assert.equal(result.body.errors?.[0]?.extensions?.code, "BAD_USER_INPUT");
    assert.deepEqual(providers.map((p) => p.received.length), before);
  });

  it("refuses refundCharge to a customer before the provider is called (@requiresScopes)", async () => {
    const before = providers.map((p) => p.received.length);
    const result = await ask(REFUND, tokens.alice, { charge: "ch_p1", key: "not-mine" });
    assert.equal(result.body.data, null);
    assert.deepEqual(providers.map((p) => p.received.length), before);
  });

  it("turns a provider 404 into a field error with a code and the HTTP status, never its URL or body", async () => {
    const result = await ask(CHARGE, tokens.admin, { id: "ch_nope" });
    assert.equal((result.body.data as any).providerCharge, null);
    const [error] = result.body.errors!;
    assert.deepEqual({ code: error!.extensions!.code, status: error!.extensions!.status, path: error!.path }, { code: "CONNECTOR_HTTP_ERROR", status: 404, path: ["providerCharge"] });
    assert.doesNotMatch(JSON.stringify(result.body), /127\.0\.0\.1|\/v1\/|resource_missing|No such charge/);
  });

  it("retries a query on the other instance when one answers 503, and never a mutation", async () => {
    const [failing, healthy] = providers as [PaymentProvider, PaymentProvider];
    failing.failWith = 503;
    try {
      const marks = providers.map((p) => p.received.length);
      // Round robin: over two queries, one starts on the failing instance and is retried on the other.
      for (let i = 0; i < 2; i++) {
        const result = await ask(CHARGE, tokens.admin, { id: await firstCharge() });
        assert.equal(result.body.errors, undefined, JSON.stringify(result.body.errors));
      }
      assert.ok(failing.received.length - marks[0]! >= 1, "the failing instance was tried");
      assert.equal(healthy.received.length - marks[1]!, 2, "both queries answered by the healthy instance");

      const before = providers.map((p) => p.received.length);
      const outcomes = [];
      for (let i = 0; i < 2; i++) outcomes.push(await ask(REFUND, tokens.admin, { charge: await firstCharge(), key: `never-twice-${i}` }));
      const sent = providers.map((p, i) => p.received.length - before[i]!);
      assert.deepEqual(sent, [1, 1], "each mutation went to one instance only");
      const failed = outcomes.find((o) => o.body.errors);
      assert.ok(failed, "the mutation that met the failing instance failed");
      assert.deepEqual({ code: failed.body.errors![0]!.extensions!.code, status: failed.body.errors![0]!.extensions!.status }, { code: "CONNECTOR_HTTP_ERROR", status: 503 });
    } finally {
      failing.failWith = undefined;
    }
  });

  it("answers a provider 500 on every instance with a field error carrying the status", async () => {
    for (const p of providers) p.failWith = 500;
    try {
      const result = await ask(CHARGE, tokens.admin, { id: await firstCharge() });
      assert.deepEqual({ code: result.body.errors?.[0]?.extensions?.code, status: result.body.errors?.[0]?.extensions?.status }, { code: "CONNECTOR_HTTP_ERROR", status: 500 });
    } finally {
      for (const p of providers) p.failWith = undefined;
    }
  });

  it("puts an entity lookup's failure on the client's path, the rest of the answer intact", async () => {
    for (const p of providers) p.failWith = 500;
    try {
      const result = await ask(ORDERS_WITH_CHARGES, tokens.alice);
      const edges = (result.body.data!.orders as any).edges as Array<{ node: { payment: { charge: unknown } | null } }>;
      assert.ok(edges.length > 0 && edges.every((e) => e.node.payment === null || e.node.payment.charge === null), "charges null, orders and payments still there");
      assert.ok(edges.some((e) => e.node.payment !== null));
      const error = result.body.errors!.find((e) => e.extensions?.code === "CONNECTOR_HTTP_ERROR")!;
      assert.equal(error.extensions!.status, 500);
      assert.deepEqual(error.path?.slice(0, 3), ["orders", "edges", error.path![2]]);
      assert.deepEqual(error.path?.slice(3), ["node", "payment", "charge"]);
    } finally {
      for (const p of providers) p.failWith = undefined;
    }
  });

  it("ejects an instance that keeps failing, as for a GraphQL subgraph", async () => {
    const [failing] = providers as [PaymentProvider];
    failing.failWith = 503;
    try {
      for (let i = 0; i < 8; i++) await ask(CHARGE, tokens.admin, { id: await firstCharge() });
      const { subgraphs: upstreams } = (await (await fetch(system.gateway.url.replace("/graphql", "/admin/upstreams"))).json()) as { subgraphs: Array<{ subgraph: string; instances: Array<{ url: string; state: string }> }> };
      const instances = upstreams.find((u) => u.subgraph === "payment-provider")!.instances;
      assert.equal(instances.find((i) => i.url === failing.url)!.state, "ejected");
      const mark = failing.received.length;
      for (let i = 0; i < 3; i++) assert.equal((await ask(CHARGE, tokens.admin, { id: await firstCharge() })).body.errors, undefined);
      assert.equal(failing.received.length, mark, "an ejected instance gets no traffic");
    } finally {
      failing.failWith = undefined;
    }
  });

  let seededCharge: string | undefined;
  async function firstCharge(): Promise<string> {
    seededCharge ??= (providers[0]!.db.prepare("SELECT id FROM charges WHERE status = 'succeeded' AND idempotency_key IS NULL ORDER BY seq DESC LIMIT 1").pluck().get() as string);
    return seededCharge;
  }
});

describe("a connector outside the supported subset", () => {
  it("stops the gateway at startup with a message naming the directive and the construct", async () => {
    const dir = mkdtempSync(join(tmpdir(), "connector-refused-"));
    try {
      const file = join(dir, "supergraph.graphql");
      const sdl = readFileSync("schema/supergraph.graphql", "utf8").replace("amountCents: amount\\namountRefundedCents", "amountCents: amount->first\\namountRefundedCents");
      assert.notEqual(sdl, readFileSync("schema/supergraph.graphql", "utf8"), "the fixture edit applied");
      writeFileSync(file, sdl);
      const child = spawn(process.execPath, ["dist/gateway/src/main.js", "--supergraph", file, "--port", "0"], { stdio: ["ignore", "pipe", "pipe"] });
      let output = "";
      child.stdout.setEncoding("utf8").on("data", (c: string) => (output += c));
      child.stderr.setEncoding("utf8").on("data", (c: string) => (output += c));
      const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
      assert.notEqual(code, 0, output);
      assert.match(output, /connectors: @connect on Query\.providerCharge, selection: the method `->first`/);
      assert.doesNotMatch(output, /\n\s+at /, "a message, not a stack trace");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("a reloaded supergraph with a connector outside the subset", () => {
  it("is refused as invalid, the log naming the construct, and the schema in service stays", async () => {
    const dir = mkdtempSync(join(tmpdir(), "connector-reload-"));
    const file = join(dir, "supergraph.graphql");
    const good = readFileSync("schema/supergraph.graphql", "utf8");
    writeFileSync(file, good);
    const gateway = await startTestGateway({ supergraph: { path: file }, subgraphs: { all: { healthCheck: { enabled: false } } }, readiness: { checkSubgraphs: false } }, { captureLogs: true });
    try {
      writeFileSync(file, good.replace("GET: \"/v1/refunds?charge={$this.id}\"", "GET: \"/v1/refunds?charge={$this.id}\", queryParams: \"x: $this.id\""));
      assert.equal(gateway.supergraph.reload(), false);
      const refused = gateway.logs.find((l) => String(l.msg).includes("supergraph reload refused"))!;
      assert.match(String(refused.reason), /@connect on ProviderCharge\.refunds, queryParams: the @connect\(http:\) argument `queryParams` is not supported/);
      assert.equal(gateway.supergraph.loaded?.sdl, good);
    } finally {
      await gateway.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("$config in a connector", () => {
  it("sends the gateway config's API key to the provider, which refuses the fetch without it (401 as a field error)", async () => {
    const subgraphs = await startTestSubgraphs();
    const keyed = await createPaymentProvider({ dbPath: ":memory:", port: 0, logLevel: TEST_LOG_LEVEL, apiKey: "sk_test_config" });
    const gatewayWith = (config: Record<string, unknown> | undefined) =>
      startTestGateway({
        auth: demoAuth(subgraphs),
        subgraphs: { ...subgraphs.routing, "payment-provider": { url: keyed.url }, all: { healthCheck: { enabled: false } } },
        ...(config ? { connectors: { "payment-provider": { config } } } : {}),
      });
    const [withKey, withoutKey] = [await gatewayWith({ apiKey: "sk_test_config" }), await gatewayWith(undefined)];
    try {
      const admin = (await tokensFor(subgraphs.auth.url, ["admin"])).admin;
      const ask = (g: { url: string }) => postGraphQL(g.url, CHARGE, { id: "ch_p1" }, { authorization: `Bearer ${admin}` });
      assert.equal((await ask(withKey)).body.errors, undefined);
      const refused = await ask(withoutKey);
      assert.deepEqual({ code: refused.body.errors?.[0]?.extensions?.code, status: refused.body.errors?.[0]?.extensions?.status }, { code: "CONNECTOR_HTTP_ERROR", status: 401 });
      assert.doesNotMatch(JSON.stringify(withKey.logs), /sk_test_config/, "the key is never logged");
    } finally {
      await withKey.stop();
      await withoutKey.stop();
      await keyed.close();
      await subgraphs.close();
    }
  });
});

describe("the caller's identity at a REST service", () => {
  it("reaches the provider as the SDL's from: \"authorization\" header only when verified, and is never logged", async () => {
    const subgraphs = await startTestSubgraphs();
    // A recording proxy in front of the provider: what the gateway sent, headers included.
    const proxy = await startFaultProxy(subgraphs.provider.url);
    const route = { ...subgraphs.routing, "payment-provider": { url: proxy.url }, all: { healthCheck: { enabled: false } } };
    const verified = await startTestGateway({ auth: demoAuth(subgraphs), subgraphs: route }, { captureLogs: true });
    // No `auth` section: no token is verified, so none is the caller's identity.
    const unverified = await startTestGateway({ subgraphs: route });
    try {
      const admin = (await tokensFor(subgraphs.auth.url, ["admin"])).admin;
      const sent = async (g: { url: string }, token: string) => {
        const from = proxy.requests.length;
        assert.equal((await postGraphQL(g.url, CHARGE, { id: "ch_p1" }, { authorization: `Bearer ${token}` })).body.errors, undefined);
        return proxy.requests.slice(from).map((r) => r.headers["x-forwarded-authorization"]);
      };
      assert.deepEqual(await sent(verified, admin), [`Bearer ${admin}`]);
      assert.deepEqual(await sent(unverified, "not-verified"), [undefined], "an unverified client header is not an identity");
      assert.doesNotMatch(JSON.stringify(verified.logs), new RegExp(admin.slice(-24)), "the token is never logged");
    } finally {
      await verified.stop();
      await unverified.stop();
      await proxy.close();
      await subgraphs.close();
    }
  });
});
