/**
 * Load balancing against real subgraph instances: three orders instances sharing one SQLite
 * file, each behind a fault proxy (slow, killed, dying mid-request), one auth instance, and a
 * real gateway per test so instance health never leaks between tests.
 */
import { after, afterEach, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import type { UpstreamSnapshot } from "../../gateway/src/balancing/upstream.ts";
import type { GatewayConfigInput } from "../../gateway/src/config/schema.ts";
import type { AuthSubgraph } from "../../subgraphs/auth/index.ts";
import { createOrdersSubgraph } from "../../subgraphs/orders/index.ts";
import type { SubgraphHandle } from "../../subgraphs/shared/service.ts";
import { startFaultProxy, type FaultProxy } from "../helpers/fault-proxy.ts";
import { postGraphQL, startTestGateway, type GraphQLResult, type TestGateway } from "../helpers/gateway.ts";
import { startTestAuth, tempDir, testServiceOptions, tokensFor } from "../helpers/subgraphs.ts";

/** Nothing listens on port 1: connections are refused at once. */
const NOWHERE = "http://127.0.0.1:1/graphql";
/** Generous: the suite shares two cores with other work, and every process here is this one. */
const TIMEOUT_MS = 1_000;

let auth: AuthSubgraph;
let orders: SubgraphHandle[];
let proxies: FaultProxy[];
let token: string;
let dir: ReturnType<typeof tempDir>;
let gateway: TestGateway | undefined;

before(async () => {
  dir = tempDir("balancing-");
  auth = await startTestAuth();
  orders = [];
  // Sequentially: the first migrates and seeds the shared file, the others find it done.
  for (let i = 0; i < 3; i++) orders.push(await createOrdersSubgraph({ ...testServiceOptions(auth), dbPath: join(dir.path, "orders.db") }));
  proxies = await Promise.all(orders.map((o) => startFaultProxy(o.url)));
  ({ alice: token } = await tokensFor(auth.url, ["alice"]));
});

after(async () => {
  await Promise.all(proxies.map((p) => p.close()));
  await Promise.all(orders.map((o) => o.close()));
  await auth.close();
  dir.cleanup();
});

afterEach(async () => {
  await gateway?.stop();
  gateway = undefined;
  for (const p of proxies) {
    p.delayMs = 0;
    p.dropAnswers = false;
    await p.revive();
  }
});

type OrdersOverride = NonNullable<GatewayConfigInput["subgraphs"]>[string];

async function startGateway(ordersConfig: OrdersOverride, extra: GatewayConfigInput = {}): Promise<TestGateway> {
  gateway = await startTestGateway(
    {
      readiness: { checkSubgraphs: false },
      auth: {
        jwks: { url: auth.jwksUrl },
        issuer: auth.issuer,
        audience: auth.audience,
        policies: { order_owner_or_admin: () => true, courier: () => true },
      },
      subgraphs: {
        all: {
          timeoutMs: TIMEOUT_MS,
          connectTimeoutMs: 500,
          healthCheck: { intervalMs: 200, timeoutMs: 500 },
          outlierDetection: { consecutiveFailures: 3, baseEjectionMs: 300 },
        },
        auth: { url: auth.url },
        orders: ordersConfig,
        delivery: { url: NOWHERE },
        payments: { url: NOWHERE },
      },
      ...extra,
    },
    { captureLogs: true },
  );
  return gateway;
}

const ORDERS_QUERY = "query Mine { orders(first: 2) { totalCount } }";
const PLACE_ORDER = `mutation Place { placeOrder(input: { items: [{ sku: "SKU-MILK", quantity: 1 }] }) { id } }`;

const ask = (gw: TestGateway, query = ORDERS_QUERY) => postGraphQL(gw.url, query, undefined, { authorization: `Bearer ${token}` });
const succeeded = (r: GraphQLResult) => r.status === 200 && !r.body.errors && r.body.data != null;
const orderCount = () => (orders[0]!.db.prepare("SELECT count(*) AS n FROM orders").get() as { n: number }).n;
const allInstances = (weights: number[] = [1, 1, 1]) => ({ instances: proxies.map((p, i) => ({ url: p.url, weight: weights[i] ?? 1 })) });

async function upstreams(gw: TestGateway): Promise<UpstreamSnapshot[]> {
  const res = await fetch(gw.url.replace("/graphql", "/admin/upstreams"));
  assert.equal(res.status, 200);
  return ((await res.json()) as { subgraphs: UpstreamSnapshot[] }).subgraphs;
}

async function ordersStates(gw: TestGateway): Promise<string[]> {
  return (await upstreams(gw)).find((u) => u.subgraph === "orders")!.instances.map((i) => i.state);
}

/** Polls until `check` holds, failing after `ms`. */
async function eventually(check: () => Promise<boolean>, ms = 3_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Runs `total` requests, `concurrency` at a time; `onProgress` sees each completed count. */
async function load(total: number, concurrency: number, send: () => Promise<GraphQLResult>, onProgress: (done: number) => void = () => {}) {
  const results: GraphQLResult[] = [];
  let started = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (started < total) {
        started++;
        results.push(await send());
        onProgress(results.length);
      }
    }),
  );
  return results;
}

describe("load balancing across subgraph instances", () => {
  it("spreads queries by weight with smooth weighted round-robin (1:1:2 over 100 queries)", async (t) => {
    const gw = await startGateway({ ...allInstances([1, 1, 2]), balancer: "weighted-round-robin" });
    const before = proxies.map((p) => p.count("orders("));
    const results = await load(100, 1, () => ask(gw));
    assert.ok(results.every(succeeded));
    const shares = proxies.map((p, i) => p.count("orders(") - before[i]!);
    t.diagnostic(`queries per instance: ${shares.join(" / ")}`);
    assert.deepEqual(shares, [25, 25, 50]);
  });

  it("loses no query when one instance is killed during a load run of 300 queries", async (t) => {
    const gw = await startGateway({ ...allInstances(), balancer: "round-robin" });
    const servedBefore = proxies[1]!.count("orders(");
    const results = await load(300, 8, () => ask(gw), (done) => {
      if (done === 60) void proxies[1]!.kill();
    });
    const failed = results.filter((r) => !succeeded(r));
    assert.equal(failed.length, 0, JSON.stringify(failed[0]?.body));
    const retries = gw.logs.filter((l) => l.msg === "retrying subgraph fetch on another instance").length;
    const kinds = gw.logs.filter((l) => l.msg === "retrying subgraph fetch on another instance").map((l) => l.kind);
    t.diagnostic(`failed ${failed.length}/300, retried ${retries} (${[...new Set(kinds)].join(", ")}), killed instance served ${proxies[1]!.count("orders(") - servedBefore} before the kill`);
    assert.ok(retries >= 1, "the killed instance's share was retried elsewhere");
    assert.ok(retries <= 5 * 10 + 30, `retries stay within the budget (${retries})`);
    const states = await ordersStates(gw);
    assert.ok(states[1] === "ejected" || states[1] === "unhealthy", `killed instance is out of rotation (${states[1]})`);
    assert.deepEqual([states[0], states[2]], ["healthy", "healthy"]);
  });

  it("ejects a slow instance after its fetches time out, sends it nothing while ejected, and takes it back once it recovers", async (t) => {
    // Active checks need 10 failures to call it unhealthy, so the passive path decides here.
    const gw = await startGateway({ ...allInstances(), healthCheck: { unhealthyThreshold: 10 } });
    proxies[0]!.delayMs = 3 * TIMEOUT_MS;
    const slowSince = performance.now();
    let timeouts = 0;
    await eventually(async () => {
      const batch = await Promise.all(Array.from({ length: 6 }, () => ask(gw)));
      timeouts += batch.filter((r) => r.body.errors?.some((e) => e.extensions?.code === "SUBGRAPH_TIMEOUT")).length;
      return (await ordersStates(gw))[0] === "ejected";
    }, 5_000);
    t.diagnostic(`${timeouts} queries timed out; ejected ${Math.round(performance.now() - slowSince)} ms after the instance turned slow`);
    // Ejection needs 5 consecutive failures (about 3 batches); a loaded machine can time out fetches
    // to the healthy instances too, so the bound leaves room while still catching a missing ejection.
    assert.ok(timeouts >= 1 && timeouts <= 30, `${timeouts} queries hit the timeout before the ejection`);
    const ejected = (await upstreams(gw)).find((u) => u.subgraph === "orders")!.instances[0]!;
    assert.equal(ejected.ejections, 1);

    const seen = proxies[0]!.count("orders(");
    const whileEjected = await load(20, 4, () => ask(gw));
    assert.ok(whileEjected.every(succeeded));
    assert.equal(proxies[0]!.count("orders("), seen, "no query reached the ejected instance");

    proxies[0]!.delayMs = 0;
    const recoveredAt = performance.now();
    await eventually(async () => (await ordersStates(gw))[0] === "healthy");
    t.diagnostic(`back in rotation ${Math.round(performance.now() - recoveredAt)} ms after it recovered`);
    const afterRecovery = await load(9, 1, () => ask(gw));
    assert.ok(afterRecovery.every(succeeded));
    assert.ok(proxies[0]!.count("orders(") > seen, "the recovered instance gets traffic again");
    assert.ok(gw.logs.some((l) => l.msg === "upstream instance in rotation" && l.from === "ejected"), "the return is logged");
  });

  it("never sends a mutation twice when its instance dies mid-request", async () => {
    const gw = await startGateway(allInstances());
    for (const p of proxies) p.dropAnswers = true;
    const ordersBefore = orderCount();
    const sentBefore = proxies.reduce((n, p) => n + p.count("placeOrder"), 0);
    const result = await ask(gw, PLACE_ORDER);
    assert.equal(result.body.errors?.[0]?.extensions?.code, "SUBGRAPH_UNAVAILABLE");
    assert.equal(proxies.reduce((n, p) => n + p.count("placeOrder"), 0) - sentBefore, 1, "one instance received it");
    assert.equal(orderCount() - ordersBefore, 1, "the order exists exactly once");
  });

  it("retries a mutation on another instance when the first connection was refused (it never arrived)", async () => {
    const gw = await startGateway({ instances: [{ url: NOWHERE }, { url: proxies[2]!.url }], balancer: "round-robin", healthCheck: { enabled: false } });
    const ordersBefore = orderCount();
    const sentBefore = proxies[2]!.count("placeOrder");
    const results = await load(4, 1, () => ask(gw, PLACE_ORDER));
    assert.ok(results.every(succeeded), JSON.stringify(results.find((r) => !succeeded(r))?.body));
    assert.equal(orderCount() - ordersBefore, 4);
    assert.equal(proxies[2]!.count("placeOrder") - sentBefore, 4);
  });

  it("answers with partial data and a clear error, fast, when every instance of a subgraph is down", async (t) => {
    const gw = await startGateway({ ...allInstances(), outlierDetection: { maxEjectedPercent: 100 } });
    await Promise.all(proxies.map((p) => p.kill()));
    const query = `query Both { me { name } order(id: "no-such-order") { id } }`;
    await eventually(async () => (await ordersStates(gw)).every((s) => s === "unhealthy" || s === "ejected"));
    const started = performance.now();
    const result = await ask(gw, query);
    const elapsed = performance.now() - started;
    t.diagnostic(`partial answer in ${Math.round(elapsed)} ms`);
    assert.equal(result.status, 200);
    assert.equal(typeof (result.body.data?.me as { name?: unknown } | undefined)?.name, "string");
    assert.equal(result.body.data?.order, null);
    assert.equal(result.body.errors?.[0]?.extensions?.code, "SUBGRAPH_UNAVAILABLE");
    assert.match(result.body.errors![0]!.message, /orders/);
    assert.ok(elapsed < TIMEOUT_MS, `answered in ${Math.round(elapsed)} ms`);
  });

  it("reports each subgraph's algorithm and instance states on GET /admin/upstreams", async () => {
    const gw = await startGateway({ ...allInstances([1, 2, 1]), balancer: "least-outstanding" });
    await proxies[2]!.kill();
    await eventually(async () => (await ordersStates(gw))[2] === "unhealthy");
    const ordersUpstream = (await upstreams(gw)).find((u) => u.subgraph === "orders")!;
    assert.equal(ordersUpstream.algorithm, "least-outstanding");
    assert.deepEqual(
      ordersUpstream.instances.map(({ url, weight, state, inFlight }) => ({ url, weight, state, inFlight })),
      [
        { url: proxies[0]!.url, weight: 1, state: "healthy", inFlight: 0 },
        { url: proxies[1]!.url, weight: 2, state: "healthy", inFlight: 0 },
        { url: proxies[2]!.url, weight: 1, state: "unhealthy", inFlight: 0 },
      ],
    );
    assert.ok(ordersUpstream.instances.every((i) => typeof i.consecutiveFailures === "number" && typeof i.ejections === "number"));
    assert.ok((await upstreams(gw)).some((u) => u.subgraph === "auth"));
  });

  it("does not serve /admin/upstreams when the config turns it off", async () => {
    const gw = await startGateway(allInstances(), { admin: { upstreams: false } });
    const res = await fetch(gw.url.replace("/graphql", "/admin/upstreams"));
    assert.equal(res.status, 404);
    await res.body?.cancel();
  });
});
