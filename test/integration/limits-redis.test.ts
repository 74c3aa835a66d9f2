/**
 * Rate limits with the counters in a real redis-server (Debian's package, started privately):
 * two gateways on one Redis enforce one budget and one route window, and a Redis that stops
 * or stops answering gives the configured behaviour (allow, deny, local) quickly and without
 * a crash, then limits resume when Redis is back.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { LimitsConfigInput } from "../../gateway/src/config/limits.ts";
import { createLogger } from "../../gateway/src/logging/logger.ts";
import { MemoryStore } from "../../gateway/src/limits/memory-store.ts";
import { RedisStore } from "../../gateway/src/limits/redis-store.ts";
import type { LimiterStore, LimitSpec } from "../../gateway/src/limits/store.ts";
import { startTestGateway, type TestGateway } from "../helpers/gateway.ts";
import { startFaultProxy, type FaultProxy } from "../helpers/fault-proxy.ts";
import { startTestRedis, type TestRedis } from "../helpers/redis.ts";
import { codes, gql } from "../helpers/subgraphs.ts";
import { startTestSubgraphs, type TestSubgraphs } from "../helpers/system.ts";

let redis: TestRedis;
let subgraphs: TestSubgraphs;
let authProxy: FaultProxy;
const gateways: TestGateway[] = [];

const roomy = { capacity: 100_000, refillPerSecond: 100_000 };
const ME = "{ me { name } }";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function gatewayWith(limits: LimitsConfigInput, keyPrefix: string, options: { captureLogs?: boolean } = {}): Promise<TestGateway> {
  const gateway = await startTestGateway(
    {
      subgraphs: { ...subgraphs.routing, auth: { url: authProxy.url } },
      limits: { store: { redis: { url: redis.url, keyPrefix, commandTimeoutMs: 200, connectTimeoutMs: 500 } }, ...limits },
    },
    options,
  );
  gateways.push(gateway);
  return gateway;
}

before(async () => {
  [redis, subgraphs] = await Promise.all([startTestRedis(), startTestSubgraphs()]);
  authProxy = await startFaultProxy(subgraphs.auth.url);
});
after(async () => {
  await Promise.all(gateways.map((g) => g.stop()));
  await authProxy.close();
  await subgraphs.close();
  await redis.close();
});

describe("the Redis store", () => {
  it("answers a sequence of takes and adjustments exactly like the memory store", async () => {
    const redisStore = await RedisStore.connect({ url: redis.url, keyPrefix: "parity:", commandTimeoutMs: 500, connectTimeoutMs: 1_000, logger: createLogger({ level: "silent" }) });
    const memory = new MemoryStore();
    // Refill slow enough that the milliseconds between steps change nothing.
    const bucket = (cost: number): LimitSpec => ({ kind: "bucket", key: "b", capacity: 10, refillPerSecond: 0.001, cost });
    const window = (cost: number): LimitSpec => ({ kind: "window", key: "w", max: 3, windowMs: 60_000, cost });
    const steps: Array<(store: LimiterStore) => Promise<unknown>> = [
      (store) => store.take([bucket(4), window(1)]),
      (store) => store.take([bucket(4), window(2)]),
      (store) => store.take([bucket(1), window(1)]), // the window is full: nothing is taken
      (store) => store.take([bucket(3)]),
      (store) => store.adjust([{ key: "b", capacity: 10, refillPerSecond: 0.001, delta: 5 }]),
      (store) => store.adjust([{ key: "b", capacity: 10, refillPerSecond: 0.001, delta: -30 }]), // debt, floored at -10
      (store) => store.take([bucket(11)]), // above capacity: never
    ];
    try {
      for (const [i, step] of steps.entries()) {
        const shape = (r: unknown) =>
          JSON.stringify(r, (k, v: unknown) => (k === "resetMs" ? undefined : k === "retryAfterMs" ? (v === Infinity ? "never" : (v as number) > 0 ? "later" : 0) : v));
        assert.equal(shape(await step(redisStore)), shape(await step(memory)), `step ${i + 1}`);
      }
    } finally {
      await redisStore.close();
    }
  });
});

describe("two gateways on one Redis", () => {
  it("enforce one budget: the request after the shared capacity is refused by either", async () => {
    const limits: LimitsConfigInput = { tiers: { anonymous: { capacity: 4, refillPerSecond: 1 }, customer: roomy, partner: roomy, admin: roomy } };
    const [a, b] = await Promise.all([gatewayWith(limits, "shared-budget:"), gatewayWith(limits, "shared-budget:")]);
    for (const [i, gateway] of [a, b, a, b].entries()) {
      const r = await gql(gateway.url, ME);
      assert.equal(r.status, 200, `request ${i + 1} of 4 passes`);
      assert.equal(r.headers.get("ratelimit-remaining"), String(3 - i), "both see the one shared budget");
    }
    const seen = authProxy.count("me");
    for (const gateway of [a, b]) {
      const refused = await gql(gateway.url, ME);
      assert.equal(refused.status, 429);
      assert.equal(refused.errors![0]!.extensions!.limit, "consumer");
      assert.equal(refused.headers.get("retry-after"), "1");
    }
    assert.equal(authProxy.count("me"), seen, "refused requests never reached the subgraph");
    await sleep(1000);
    assert.equal((await gql(b.url, ME)).status, 200, "a retry after Retry-After passes");
  });

  it("enforce one route window and refund the actual cost in Redis", async () => {
    const limits: LimitsConfigInput = {
      tiers: { anonymous: { capacity: 50, refillPerSecond: 0.01 }, customer: roomy, partner: roomy, admin: roomy },
      routes: { "Query.me": { max: 2, windowMs: 1000 } },
    };
    const [a, b] = await Promise.all([gatewayWith(limits, "shared-route:"), gatewayWith(limits, "shared-route:")]);
    const first = await fetch(a.url, { method: "POST", headers: { "content-type": "application/json", accept: "application/graphql-response+json", "x-cost-report": "1" }, body: JSON.stringify({ query: ME }) });
    const body = (await first.json()) as { extensions: { cost: { estimated: number; actual: number; charged: number } } };
    assert.deepEqual(body.extensions.cost, { estimated: 1, actual: 0, charged: 1, maxCost: 50 }, "anonymous `me` is null: the minimum charge only");
    assert.equal((await gql(b.url, ME)).status, 200);
    const refused = await gql(a.url, ME);
    assert.equal(refused.status, 429);
    assert.equal(refused.errors![0]!.extensions!.limit, "route:Query.me");
    const retryAfter = Number(refused.headers.get("retry-after"));
    assert.equal(retryAfter, 1);
    await sleep(retryAfter * 1000);
    assert.equal((await gql(b.url, ME)).status, 200);
  });
});

describe("a Redis outage", () => {
  const tiers = { anonymous: { capacity: 2, refillPerSecond: 0.01 }, customer: roomy, partner: roomy, admin: roomy };
  let allow: TestGateway;
  let deny: TestGateway;
  let local: TestGateway;

  before(async () => {
    [allow, deny, local] = await Promise.all([
      gatewayWith({ tiers }, "outage-allow:", { captureLogs: true }),
      gatewayWith({ tiers, onStoreError: "deny" }, "outage-deny:"),
      gatewayWith({ tiers, onStoreError: "local" }, "outage-local:"),
    ]);
    for (const g of [allow, deny, local]) assert.equal((await gql(g.url, ME)).headers.get("ratelimit-remaining"), "1", "Redis keeps the counters");
    await redis.stop();
  });

  it("fails open by default, quickly, with a warning and a metric", async () => {
    const started = Date.now();
    for (let i = 0; i < 3; i++) {
      const r = await gql(allow.url, ME);
      assert.equal(r.status, 200, "over the budget, but Redis cannot say so: allowed");
      assert.equal(r.headers.get("ratelimit-limit"), null, "no headers without an answer");
    }
    assert.ok(Date.now() - started < 3_000, "no request waited for Redis");
    assert.ok(allow.logs.some((l) => l.msg === "rate-limit store unavailable" && l.level === "warn"));
    const metrics = await (await fetch(allow.url.replace("/graphql", "/metrics"))).text();
    assert.match(metrics, /gateway_rate_limit_store_errors_total\{action="allow"\} [1-9]/);
  });

  it("answers 503 when configured to deny", async () => {
    const r = await gql(deny.url, ME);
    assert.equal(r.status, 503);
    assert.deepEqual(codes(r), ["SERVICE_UNAVAILABLE"]);
    assert.equal(r.headers.get("retry-after"), "1");
  });

  it("limits per process when configured to fall back to local counters", async () => {
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await gql(local.url, ME)).status);
    assert.deepEqual(statuses, [200, 200, 429], "a fresh local budget of 2");
  });

  it("never hangs on a Redis that accepts connections but does not answer", async () => {
    await redis.start();
    // Wait for the client to reconnect (its backoff is capped at 2 s).
    const deadline = Date.now() + 6_000;
    let counted = false;
    while (!counted && Date.now() < deadline) {
      counted = (await gql(allow.url, ME)).headers.get("ratelimit-limit") !== null;
      if (!counted) await sleep(100);
    }
    assert.ok(counted, "the client reconnected to the restarted Redis");
    redis.pause();
    try {
      const started = Date.now();
      const r = await gql(allow.url, ME);
      assert.equal(r.status, 200);
      assert.ok(Date.now() - started < 1_500, `answered in ${Date.now() - started} ms, bounded by the command timeout`);
    } finally {
      redis.resume();
    }
  });

  it("limits again once Redis is back", async () => {
    const deadline = Date.now() + 6_000;
    let r = await gql(deny.url, ME);
    while (r.status === 503 && Date.now() < deadline) {
      await sleep(100);
      r = await gql(deny.url, ME);
    }
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("ratelimit-limit"), "2", "counted in Redis again (a fresh, empty one)");
  });
});
