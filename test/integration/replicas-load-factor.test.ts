/**
 * The dynamic load factor is per replica, as the README says: each replica measures its own
 * process (here: requests in flight) and shrinks the limits it applies to the counters all
 * replicas share in Redis. Two compiled-CLI replicas, one redis-server, the demo subgraphs with
 * orders behind a delay proxy: slow requests pile up on replica A only, A's factor falls and a
 * burst through A meets 429 early, while B's factor stays 1 and a burst through B gets the whole
 * budget.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startDelayProxy, type DelayProxy } from "../helpers/delay-proxy.ts";
import { startTestRedis, type TestRedis } from "../helpers/redis.ts";
import { freePort, Replica, writeReplicaConfig } from "../helpers/replicas.ts";
import { tokensFor } from "../helpers/subgraphs.ts";
import { demoAuth, startTestSubgraphs, type TestSubgraphs } from "../helpers/system.ts";

const CAPACITY = 40;
const MIN_FACTOR = 0.25;
const KEYS = { a: "load-factor-key-a", b: "load-factor-key-b" };
const sha = (s: string) => createHash("sha256").update(s).digest("hex");

let subgraphs: TestSubgraphs;
let redis: TestRedis;
let slowOrders: DelayProxy;
let dir: string;
let replicas: Replica[] = [];
let alice: string;

const factor = async (replica: Replica) => {
  const text = await (await fetch(replica.url.replace("/graphql", "/metrics"))).text();
  return Number(text.match(/^gateway_rate_limit_load_factor (\S+)$/m)?.[1]);
};

/** `total` cheap requests one after another through one replica with one API key: how many were allowed. */
async function burst(replica: Replica, key: string, total: number): Promise<number> {
  let allowed = 0;
  for (let n = 0; n < total; n++) {
    const res = await fetch(replica.url, { method: "POST", headers: { "content-type": "application/json", "x-api-key": key }, body: JSON.stringify({ query: "{ __typename }" }) });
    await res.text();
    if (res.status === 200) allowed++;
    else assert.equal(res.status, 429);
  }
  return allowed;
}

before(async () => {
  assert.ok(existsSync("dist/gateway/src/main.js"), "run `npm run build` first (`npm test` does)");
  [subgraphs, redis] = await Promise.all([startTestSubgraphs(), startTestRedis()]);
  slowOrders = await startDelayProxy(subgraphs.routing.orders.url, 0);
  dir = mkdtempSync(join(tmpdir(), "replicas-load-factor-"));
  const { policies: _functions, ...auth } = demoAuth(subgraphs);
  const big = { capacity: 1_000_000, refillPerSecond: 100_000 };
  const configFile = writeReplicaConfig(dir, {
    server: { host: "127.0.0.1" },
    supergraph: { watch: false },
    subgraphs: { ...subgraphs.routing, orders: { url: slowOrders.url }, all: { healthCheck: { enabled: false } } },
    readiness: { checkSubgraphs: false },
    auth,
    limits: {
      tiers: { anonymous: big, customer: big, partner: big, admin: big, burst: { capacity: CAPACITY, refillPerSecond: 0.2 } },
      consumers: { apiKeys: { [sha(KEYS.a)]: { consumer: "burst-a", tier: "burst" }, [sha(KEYS.b)]: { consumer: "burst-b", tier: "burst" } } },
      // Only in-flight requests count as overload here: the event loop of a busy test machine must not.
      dynamic: { intervalMs: 100, eventLoopDelayMs: 10_000, maxInFlight: 4, minFactor: MIN_FACTOR, decrease: 0.5, recoverStep: 0.05 },
      store: { redis: { url: redis.url, keyPrefix: "replicas-load-factor:" } },
    },
    telemetry: { metrics: { processMetrics: false }, accessLog: { enabled: false } },
  });
  const ports = await Promise.all([freePort(), freePort()]);
  replicas = [new Replica("replica-A", ports[0]!, configFile, {}), new Replica("replica-B", ports[1]!, configFile, {})];
  await Promise.all(replicas.map((r) => r.start()));
  ({ alice } = await tokensFor(subgraphs.auth.url, ["alice"]));
});

after(async () => {
  await Promise.all(replicas.map((r) => r.terminate()));
  await slowOrders?.close();
  await subgraphs?.close();
  await redis?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("the dynamic load factor across replicas", () => {
  it("is per replica: the overloaded one shrinks the limits it applies to the shared counters, the other keeps them whole", async () => {
    const [a, b] = replicas as [Replica, Replica];
    slowOrders.delayMs = 4_000;
    // Twelve slow queries in flight on A only (maxInFlight is 4).
    const slow = Array.from({ length: 12 }, () =>
      fetch(a.url, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${alice}` }, body: JSON.stringify({ query: "{ orders(first: 1) { totalCount } }" }) }).then((r) => r.text()),
    );
    try {
      for (const deadline = Date.now() + 3_000; (await factor(a)) > MIN_FACTOR && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 50));
      const [factorA, factorB] = [await factor(a), await factor(b)];
      assert.equal(factorA, MIN_FACTOR, "A, overloaded, is at its minimum factor");
      assert.equal(factorB, 1, "B, idle, is untouched");

      const allowedA = await burst(a, KEYS.a, CAPACITY);
      const allowedB = await burst(b, KEYS.b, CAPACITY);
      console.log(`load factor A ${factorA}, B ${factorB}; a burst of ${CAPACITY} (budget ${CAPACITY}) allowed ${allowedA} through A, ${allowedB} through B`);
      assert.ok(allowedA <= Math.ceil(CAPACITY * MIN_FACTOR) + 2, `A applies the shrunk budget: ${allowedA}`);
      assert.equal(allowedB, CAPACITY, "B applies the whole budget");
    } finally {
      slowOrders.delayMs = 0;
      await Promise.all(slow);
    }
  });
});
