/**
 * Several gateway processes behave as one gateway: three replicas of the compiled CLI on their
 * own ports, one real redis-server, the demo subgraphs, and a client in front that spreads
 * requests round robin over the replicas whose /readyz answers (as a load balancer would). What
 * one replica knows and another must honour lives in Redis; faults (kill -9, a rolling
 * restart, Redis going away) cost no request of a client that retries what is safe to retry.
 * Loads are bounded (count and time); the numbers are printed.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTestRedis, type TestRedis } from "../helpers/redis.ts";
import { FleetClient, freePort, Replica, steadyLoad, writeReplicaConfig, type LoadStats } from "../helpers/replicas.ts";
import { WsTestClient } from "../helpers/subscription-clients.ts";
import { gql, tokensFor } from "../helpers/subgraphs.ts";
import { demoAuth, startTestSubgraphs, type TestSubgraphs } from "../helpers/system.ts";

const BURST_KEY = "replica-burst-key";
const BURST_KEY_AFTER_OUTAGE = "replica-burst-key-2";
const BURST_CAPACITY = 60;
/** Slow enough that Retry-After says several seconds, so agreeing on it means something. */
const BURST_REFILL_PER_SECOND = 0.2;
const sha = (s: string) => createHash("sha256").update(s).digest("hex");

let subgraphs: TestSubgraphs;
let redis: TestRedis;
let dir: string;
let replicas: Replica[];
let client: FleetClient;
let tokens: Record<"alice" | "bob" | "carol", string>;

before(async () => {
  assert.ok(existsSync("dist/gateway/src/main.js"), "run `npm run build` first (`npm test` does)");
  [subgraphs, redis] = await Promise.all([startTestSubgraphs(), startTestRedis()]);
  dir = mkdtempSync(join(tmpdir(), "replicas-"));
  const { policies: _functions, ...auth } = demoAuth(subgraphs);
  const big = { capacity: 1_000_000, refillPerSecond: 100_000 };
  const configFile = writeReplicaConfig(dir, {
    server: { host: "127.0.0.1", shutdownGraceMs: 5_000, drainDelayMs: 500 },
    supergraph: { watch: false },
    subgraphs: subgraphs.routing,
    readiness: { checkSubgraphs: false },
    auth,
    limits: {
      cost: { maxCost: 100_000 },
      tiers: { anonymous: big, customer: big, partner: big, admin: big, burst: { capacity: BURST_CAPACITY, refillPerSecond: BURST_REFILL_PER_SECOND } },
      consumers: {
        apiKeys: {
          [sha(BURST_KEY)]: { consumer: "burst-client", tier: "burst" },
          [sha(BURST_KEY_AFTER_OUTAGE)]: { consumer: "burst-client-2", tier: "burst" },
        },
      },
      onStoreError: "local",
    },
    telemetry: { metrics: { processMetrics: false }, accessLog: { enabled: false } },
  });
  const ports = await Promise.all([freePort(), freePort(), freePort()]);
  replicas = ports.map((port, i) => new Replica(`replica-${"ABC"[i]}`, port, configFile, { REDIS_URL: redis.url }));
  await Promise.all(replicas.map((r) => r.start()));
  client = new FleetClient(replicas);
  tokens = await tokensFor(subgraphs.auth.url, ["alice", "bob", "carol"]);
});

after(async () => {
  client?.close();
  await Promise.all((replicas ?? []).map((r) => r.terminate()));
  await subgraphs?.close();
  await redis?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const post = async (url: string, body: unknown, headers: Record<string, string> = {}) => {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", accept: "application/graphql-response+json", ...headers }, body: JSON.stringify(body) });
  return { status: res.status, headers: res.headers, body: (await res.json()) as { data?: any; errors?: Array<{ extensions?: { code?: string } }> } };
};

/** A burst spread round robin over the replicas, six at a time; how many got through, and the first 429's replica. */
async function burst(key: string, total: number) {
  const started = Date.now();
  let allowed = 0;
  let limited = 0;
  const perReplica = replicas.map(() => 0);
  for (let n = 0; n < total; n += 6) {
    await Promise.all(
      Array.from({ length: Math.min(6, total - n) }, async (_, k) => {
        const i = (n + k) % replicas.length;
        const r = await post(replicas[i]!.url, { query: "{ __typename }" }, { "x-api-key": key });
        if (r.status === 200) {
          allowed++;
          perReplica[i]!++;
        } else if (r.status === 429) limited++;
        else assert.fail(`unexpected ${r.status}: ${JSON.stringify(r.body)}`);
      }),
    );
  }
  // The bucket refills while the burst runs: at most that much more than the capacity, never three budgets.
  const ceiling = BURST_CAPACITY + Math.ceil(((Date.now() - started) / 1000) * BURST_REFILL_PER_SECOND) + 1;
  return { allowed, limited, perReplica, ceiling };
}

const loadQuery = () => ({ body: { query: "query Load { me { id } orders(first: 2) { totalCount } }" }, headers: { authorization: `Bearer ${tokens.alice}` } });
/** Every mutation of a phase orders a distinct quantity: the quantity tags it (the catalog names and prices the product). */
const placeOrder = () => (n: number) => ({
  body: {
    query: "mutation Place($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }",
    variables: { input: { items: [{ sku: "SKU-MILK", quantity: n + 1 }] } },
  },
  headers: { authorization: `Bearer ${tokens.bob}` },
});

/** Bob's newest orders (ids, quantities); his orders before a phase are taken away from those after it. */
async function bobsOrders(): Promise<Array<{ id: string; quantities: number[] }>> {
  const r = await gql(replicas[0]!.url, `{ orders(first: 100) { edges { node { id items { quantity } } } } }`, { token: tokens.bob });
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  return (r.data as any).orders.edges.map((e: any) => ({ id: e.node.id, quantities: e.node.items.map((i: any) => i.quantity) }));
}

/** How many of the orders placed since `before` carry each quantity: every tag at most once means no mutation ran twice. */
async function ordersByTag(before: ReadonlyArray<{ id: string }>): Promise<Map<number, number>> {
  const old = new Set(before.map((o) => o.id));
  const counts = new Map<number, number>();
  for (const order of await bobsOrders()) if (!old.has(order.id)) for (const q of order.quantities) counts.set(q, (counts.get(q) ?? 0) + 1);
  return counts;
}

function report(what: string, s: LoadStats, ms: number): void {
  console.log(
    `${what}: ${s.sent} operations in ${(ms / 1000).toFixed(1)} s; queries ok ${s.queries.ok}, failed ${s.queries.failed}, retried ${s.queries.retried}; ` +
      `mutations ok ${s.mutations.ok}, failed ${s.mutations.failed}, outcome unknown ${s.mutations.unknown}, resent ${s.mutations.retried}`,
  );
}

function assertAppliedOnce(stats: LoadStats, tags: Map<number, number>): void {
  const twice = [...tags].filter(([, n]) => n > 1);
  assert.deepEqual(twice, [], "no mutation was applied twice");
  assert.ok(tags.size >= stats.mutations.ok && tags.size <= stats.mutations.ok + stats.mutations.unknown, `orders placed ${tags.size}, answered ok ${stats.mutations.ok}, unknown ${stats.mutations.unknown}`);
}

const metric = async (replica: Replica, pattern: RegExp) => {
  const text = await (await fetch(replica.url.replace("/graphql", "/metrics"))).text();
  return [...text.matchAll(pattern)].reduce((sum, m) => sum + Number(m[1]), 0);
};

describe("gateway replicas sharing Redis", () => {
  it("spend one consumer's rate-limit budget once across the fleet, and agree on Retry-After", async () => {
    const { allowed, limited, perReplica, ceiling } = await burst(BURST_KEY, 3 * BURST_CAPACITY);
    console.log(`rate limit: capacity ${BURST_CAPACITY}; a burst of ${3 * BURST_CAPACITY} over 3 replicas: ${allowed} allowed (per replica ${perReplica.join("/")}), ${limited} got 429`);
    assert.ok(allowed >= BURST_CAPACITY && allowed <= ceiling, `allowed ${allowed}, at most ${ceiling}`);
    assert.ok(perReplica.every((n) => n > 0 && n < BURST_CAPACITY));
    const retryAfter = await Promise.all(replicas.map(async (r) => {
      const res = await post(r.url, { query: "{ __typename }" }, { "x-api-key": BURST_KEY });
      assert.equal(res.status, 429);
      return Number(res.headers.get("retry-after"));
    }));
    console.log(`rate limit: Retry-After per replica ${retryAfter.join("/")} s`);
    assert.ok(retryAfter.every((s) => s >= 1 && s <= Math.ceil(1 / BURST_REFILL_PER_SECOND)), "one unit's refill time");
    assert.ok(Math.max(...retryAfter) - Math.min(...retryAfter) <= 1, "every replica reads the same bucket");
  });

  it("find an APQ registration made on one replica on every other", async () => {
    const query = "query ReplicaShared { __typename }";
    const persisted = { extensions: { persistedQuery: { version: 1, sha256Hash: sha(query) } } };
    assert.equal((await post(replicas[1]!.url, persisted)).body.errors?.[0]?.extensions?.code, "PERSISTED_QUERY_NOT_FOUND");
    assert.deepEqual((await post(replicas[0]!.url, { query, ...persisted })).body, { data: { __typename: "Query" } });
    for (const r of replicas.slice(1)) assert.deepEqual((await post(r.url, persisted)).body, { data: { __typename: "Query" } }, r.name);
  });

  it("deliver to a subscription held on replica A the update caused by a mutation sent through replica B", async () => {
    const mine = await gql(replicas[0]!.url, `{ orders(first: 50) { edges { node { id payment { status } delivery { status } } } } }`, { token: tokens.alice });
    // A paid one: a courier moves a delivery only once its order is paid.
    const order = (mine.data as any).orders.edges.map((e: any) => e.node).find((n: any) => n.payment && n.delivery && n.delivery.status !== "DELIVERED");
    assert.ok(order, "alice has a paid, undelivered order");
    const ws = await WsTestClient.open(replicas[0]!.url, { authorization: `Bearer ${tokens.alice}` });
    try {
      ws.subscribe("1", `subscription($id: ID!) { orderDeliveryUpdated(orderId: $id) { status } }`, { id: order.id });
      // The upstream subscription starts asynchronously: move the delivery until an event arrives (bounded).
      let got: unknown;
      for (let attempt = 0; attempt < 20 && !got; attempt++) {
        const status = attempt % 2 === 0 ? "IN_TRANSIT" : "PICKED_UP";
        const r = await gql(replicas[1]!.url, `mutation($id: ID!, $s: DeliveryStatus!) { updateDeliveryStatus(orderId: $id, status: $s) { status } }`, { token: tokens.carol, variables: { id: order.id, s: status } });
        assert.equal(r.errors, undefined, JSON.stringify(r.errors));
        got = await ws.waitFor((m) => m.type === "next", 500, "next").catch(() => undefined);
      }
      assert.ok(got, "replica A pushed the change made through replica B");
    } finally {
      await ws.close();
    }
  });

  it("lose only what was in flight on a replica killed with -9: a client retrying queries elsewhere sees no failure, no mutation runs twice", async () => {
    const before = await bobsOrders();
    const started = Date.now();
    const stats = await steadyLoad({
      client,
      total: 1_000,
      durationMs: 10_000,
      query: loadQuery,
      mutationEvery: 25,
      mutation: placeOrder(),
      during: async () => {
        await new Promise((r) => setTimeout(r, 3_000));
        await replicas[1]!.kill();
      },
    });
    report("kill -9 of replica B under load", stats, Date.now() - started);
    await replicas[1]!.start();
    assert.deepEqual(stats.failures, []);
    assert.equal(stats.queries.failed, 0);
    assertAppliedOnce(stats, await ordersByTag(before));
  });

  it("serve through a rolling restart (SIGTERM, wait for /readyz, next) without one failed request", async () => {
    const before = await bobsOrders();
    const started = Date.now();
    let rolled = 0;
    const stats = await steadyLoad({
      client,
      total: 1_500,
      durationMs: 15_000,
      query: loadQuery,
      mutationEvery: 25,
      mutation: placeOrder(),
      during: async () => {
        await new Promise((r) => setTimeout(r, 1_000));
        for (const replica of replicas) {
          assert.equal(await replica.terminate(), 0, `${replica.name} drained and exited 0:\n${replica.output}`);
          await replica.start();
          rolled++;
        }
      },
    });
    report(`rolling restart of ${rolled} replicas under load`, stats, Date.now() - started);
    assert.equal(rolled, 3);
    assert.deepEqual(stats.failures, []);
    assert.equal(stats.mutations.unknown, 0);
    assertAppliedOnce(stats, await ordersByTag(before));
  });

  it("keep answering while Redis is down, each replica on its own limits (onStoreError: local), and share state again when it is back", async () => {
    const errorsBefore = await Promise.all(replicas.map((r) => metric(r, /^gateway_rate_limit_store_errors_total\{action="local"\} (\d+)/gm)));
    const started = Date.now();
    const stats = await steadyLoad({
      client,
      total: 600,
      durationMs: 6_000,
      query: loadQuery,
      during: async () => {
        await new Promise((r) => setTimeout(r, 1_000));
        await redis.stop();
        await new Promise((r) => setTimeout(r, 3_000));
        await redis.start();
      },
    });
    report("Redis stopped for 3 s under load", stats, Date.now() - started);
    const errorsAfter = await Promise.all(replicas.map((r) => metric(r, /^gateway_rate_limit_store_errors_total\{action="local"\} (\d+)/gm)));
    console.log(`Redis outage: limiter store errors handled locally per replica ${errorsAfter.map((n, i) => n - errorsBefore[i]!).join("/")}`);
    assert.deepEqual(stats.failures, []);
    assert.ok(errorsAfter.every((n, i) => n > errorsBefore[i]!), "every replica fell back to its own counters");

    // Back without a restart: once every replica has reconnected (a request adds no store error),
    // a fresh consumer's budget is one budget again, and APQ is shared again.
    const back = Date.now();
    for (let round = 0; ; round++) {
      const seen = await Promise.all(replicas.map((r) => metric(r, /^gateway_rate_limit_store_errors_total\{action="local"\} (\d+)/gm)));
      await Promise.all(replicas.map((r) => post(r.url, { query: "{ __typename }" })));
      const now = await Promise.all(replicas.map((r) => metric(r, /^gateway_rate_limit_store_errors_total\{action="local"\} (\d+)/gm)));
      if (now.every((n, i) => n === seen[i])) break;
      assert.ok(round < 100, "every replica reconnects to Redis within 10 s");
      await new Promise((r) => setTimeout(r, 100));
    }
    console.log(`after the outage: every replica used Redis again ${Date.now() - back} ms after the burst test started waiting`);
    const again = await burst(BURST_KEY_AFTER_OUTAGE, 3 * BURST_CAPACITY);
    console.log(`after the outage: a burst of ${3 * BURST_CAPACITY} over 3 replicas: ${again.allowed} allowed`);
    assert.ok(again.allowed >= BURST_CAPACITY && again.allowed <= again.ceiling, `allowed ${again.allowed}, at most ${again.ceiling}`);
    const query = "query AfterOutage { __typename }";
    const persisted = { extensions: { persistedQuery: { version: 1, sha256Hash: sha(query) } } };
    await post(replicas[2]!.url, { query, ...persisted });
    assert.deepEqual((await post(replicas[0]!.url, persisted)).body, { data: { __typename: "Query" } });
  });
});

describe("the global cap across replicas", () => {
  const GLOBAL_CAPACITY = 40;
  const GLOBAL_PER_SECOND = 0.5;
  let fleet: Replica[] = [];
  let globalDir: string | undefined;

  after(async () => {
    await Promise.all(fleet.map((r) => r.terminate()));
    if (globalDir) rmSync(globalDir, { recursive: true, force: true });
  });

  it("is one cap for the whole fleet: a burst over two replicas meets 429 (limit global) after its capacity in total", async () => {
    globalDir = mkdtempSync(join(tmpdir(), "replicas-global-"));
    const { policies: _functions, ...auth } = demoAuth(subgraphs);
    const big = { capacity: 1_000_000, refillPerSecond: 100_000 };
    const configFile = writeReplicaConfig(globalDir, {
      server: { host: "127.0.0.1" },
      supergraph: { watch: false },
      subgraphs: subgraphs.routing,
      readiness: { checkSubgraphs: false },
      auth,
      limits: {
        tiers: { anonymous: big, customer: big, partner: big, admin: big },
        global: { costPerSecond: GLOBAL_PER_SECOND, burstSeconds: GLOBAL_CAPACITY / GLOBAL_PER_SECOND },
        store: { redis: { url: redis.url, keyPrefix: "replicas-global:" } },
      },
      telemetry: { metrics: { processMetrics: false }, accessLog: { enabled: false } },
    });
    const ports = await Promise.all([freePort(), freePort()]);
    fleet = ports.map((port, i) => new Replica(`global-${i}`, port, configFile, {}));
    await Promise.all(fleet.map((r) => r.start()));
    const started = Date.now();
    let allowed = 0;
    const refusedBy = new Set<string>();
    for (let n = 0; n < 3 * GLOBAL_CAPACITY; n++) {
      const r = await post(fleet[n % fleet.length]!.url, { query: "{ __typename }" });
      if (r.status === 200) allowed++;
      else {
        assert.equal(r.status, 429, JSON.stringify(r.body));
        refusedBy.add(String((r.body.errors?.[0]?.extensions as { limit?: string } | undefined)?.limit));
      }
    }
    const ceiling = GLOBAL_CAPACITY + Math.ceil(((Date.now() - started) / 1000) * GLOBAL_PER_SECOND) + 1;
    console.log(`global cap: capacity ${GLOBAL_CAPACITY}; ${3 * GLOBAL_CAPACITY} requests over 2 replicas: ${allowed} allowed, refused by ${[...refusedBy].join(",")}`);
    assert.ok(allowed >= GLOBAL_CAPACITY && allowed <= ceiling, `allowed ${allowed}, at most ${ceiling}`);
    assert.deepEqual([...refusedBy], ["global"]);
  });
});
