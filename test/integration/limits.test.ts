/**
 * Demand control and rate limits on the real gateway in front of the real subgraphs (each
 * behind a recording proxy, so "never reached a subgraph" is observed, not assumed), with the
 * in-memory store: each limit kind refuses at exactly its configured point with 429,
 * Retry-After and RateLimit headers, a retry after Retry-After passes, the refund makes a
 * short list cheaper than its estimate, and the load factor shrinks limits under overload.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import demoConfig from "../../gateway/gateway.config.ts";
import type { LimitsConfigInput } from "../../gateway/src/config/limits.ts";
import { startFaultProxy, type FaultProxy } from "../helpers/fault-proxy.ts";
import { startTestGateway, type TestGateway } from "../helpers/gateway.ts";
import { codes, gql, tokensFor } from "../helpers/subgraphs.ts";
import { startTestSubgraphs, type TestSubgraphs } from "../helpers/system.ts";

let subgraphs: TestSubgraphs;
let proxies: Record<"auth" | "orders" | "delivery" | "payments", FaultProxy>;
let alice: string;
const gateways: TestGateway[] = [];
/** One gateway for the cost, budget, refund and route tests; the global cap and measure mode get their own. */
let shared: TestGateway;

const sha = (s: string) => createHash("sha256").update(s).digest("hex");
const roomy = { capacity: 100_000, refillPerSecond: 100_000 };
/** Tiers where only the one under test is small. */
const tiers = (overrides: Record<string, { capacity: number; refillPerSecond: number; maxCost?: number }> = {}) => ({
  anonymous: roomy,
  customer: roomy,
  partner: roomy,
  admin: roomy,
  capped: { ...roomy, maxCost: 5 },
  tiny: { capacity: 1, refillPerSecond: 0.1 },
  ...overrides,
});
/** API keys by consumer; each test uses its own consumers, so tests sharing a gateway never share a budget. */
const apiKeys = {
  [sha("key-a")]: { consumer: "a", tier: "partner" },
  [sha("key-b")]: { consumer: "b", tier: "partner" },
  [sha("key-route")]: { consumer: "route", tier: "partner" },
  [sha("key-capped")]: { consumer: "capped", tier: "capped" },
  [sha("key-tiny")]: { consumer: "tiny", tier: "tiny" },
};

/** A gateway over the proxied subgraphs; the test API keys are added unless `asIs`. */
async function gatewayWith(limits: LimitsConfigInput, options: { captureLogs?: boolean; asIs?: boolean } = {}): Promise<TestGateway> {
  const gateway = await startTestGateway(
    {
      subgraphs: Object.fromEntries(Object.entries(proxies).map(([name, proxy]) => [name, { url: proxy.url }])),
      auth: { ...demoConfig.auth!, jwks: { url: subgraphs.auth.jwksUrl } },
      limits: options.asIs ? limits : { consumers: { apiKeys }, ...limits },
    },
    options,
  );
  gateways.push(gateway);
  return gateway;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ME = "{ me { name } }";
const LOGIN = `mutation { login(email: "alice@example.com", password: "demo-password") { expiresIn } }`;

before(async () => {
  subgraphs = await startTestSubgraphs();
  const entries = await Promise.all(Object.entries(subgraphs.routing).map(async ([name, { url }]) => [name, await startFaultProxy(url)] as const));
  proxies = Object.fromEntries(entries) as typeof proxies;
  ({ alice } = await tokensFor(subgraphs.auth.url, ["alice"]));
  shared = await gatewayWith({
    tiers: tiers({
      anonymous: { capacity: 3, refillPerSecond: 1 },
      // 2 * 141 - 1: see the refund test.
      customer: { capacity: 281, refillPerSecond: 0.01 },
    }),
    routes: { "Mutation.refreshToken": { max: 2, windowMs: 1000 } },
  });
});
after(async () => {
  await Promise.all(gateways.map((g) => g.stop()));
  await Promise.all(Object.values(proxies).map((p) => p.close()));
  await subgraphs.close();
});

describe("the cost limit", () => {
  it("refuses an operation estimated above the max cost with 400, both numbers, before any subgraph call", async () => {
    const before = proxies.orders.count("orders");
    const r = await gql(shared.url, "{ orders(first: 100000) { edges { node { id } } } }", { token: alice });
    assert.equal(r.status, 400);
    assert.deepEqual(codes(r), ["COST_ESTIMATED_TOO_EXPENSIVE"]);
    assert.equal(r.errors![0]!.extensions!.estimatedCost, 1 + 100_000 * 2);
    assert.equal(r.errors![0]!.extensions!.maxCost, 281, "a customer's max is its budget here");
    assert.equal(proxies.orders.count("orders"), before, "the orders subgraph never saw it");
  });

  it("passes an operation at exactly its tier's max cost and refuses one above", async () => {
    const headers = { "x-api-key": "key-capped" };
    const at = await gql(shared.url, "{ a: me { name } b: me { name } c: me { name } d: me { name } e: me { name } }", { headers });
    assert.equal(at.status, 200, JSON.stringify(at.errors));
    const over = await gql(shared.url, "{ a: me { name } b: me { name } c: me { name } d: me { name } e: me { name } f: me { name } }", { headers });
    assert.equal(over.status, 400);
    assert.equal(over.errors![0]!.extensions!.maxCost, 5);
  });
});

describe("the per-consumer budget", () => {
  it("answers 429 at exactly the configured point, naming the limit, and passes again after Retry-After", async () => {
    for (let i = 1; i <= 3; i++) {
      const r = await gql(shared.url, ME);
      assert.equal(r.status, 200, `request ${i} is within the budget`);
      assert.equal(r.headers.get("ratelimit-limit"), "3");
      assert.equal(r.headers.get("ratelimit-remaining"), String(3 - i));
    }
    const seen = proxies.auth.count("me");
    const refused = await gql(shared.url, ME);
    assert.equal(refused.status, 429);
    assert.deepEqual(codes(refused), ["RATE_LIMITED"]);
    assert.equal(refused.errors![0]!.extensions!.limit, "consumer");
    assert.equal(refused.headers.get("retry-after"), "1");
    assert.equal(refused.headers.get("ratelimit-remaining"), "0");
    assert.equal(proxies.auth.count("me"), seen, "a refused request never reaches a subgraph");

    await sleep(Number(refused.headers.get("retry-after")) * 1000);
    assert.equal((await gql(shared.url, ME)).status, 200, "the retry after Retry-After passes");
  });

  it("keeps each consumer's budget separate", async () => {
    assert.equal((await gql(shared.url, ME, { headers: { "x-api-key": "key-tiny" } })).status, 200);
    assert.equal((await gql(shared.url, ME, { headers: { "x-api-key": "key-tiny" } })).status, 429);
    assert.equal((await gql(shared.url, ME, { headers: { "x-api-key": "key-a" } })).status, 200, "another consumer still has its budget");
  });

  it("charges the actual cost: a short list refunds the rest of its estimate", async () => {
    // Estimate 1 + 20 * (1 + 1 + 5 items assumed) = 141. Alice's budget of 2 * 141 - 1 admits a
    // second such query only if the first was charged less than its estimate.
    const query = "{ orders(first: 20) { edges { node { items { sku } } } } }";
    const first = await withCostReport(shared.url, query, alice);
    assert.equal(first.status, 200);
    const items = first.body.data.orders.edges.reduce((n: number, e: { node: { items: unknown[] } }) => n + e.node.items.length, 0);
    const actual = 1 + 20 * 2 + items;
    assert.ok(items < 20 * 5, "some order has fewer than the 5 items assumed");
    assert.deepEqual(first.body.extensions.cost, { estimated: 141, actual, charged: actual, maxCost: 281 });
    assert.ok(Number(first.headers.get("ratelimit-remaining")) >= 281 - actual - 1, "the header shows the budget after the refund");

    const second = await withCostReport(shared.url, query, alice);
    assert.equal(second.status, 200, "without the refund 140 would be left and this 141 refused");
  });

  it("reports the cost in extensions only when the client asks", async () => {
    const plain = await fetch(shared.url, { method: "POST", headers: { "content-type": "application/json", accept: "application/graphql-response+json", "x-api-key": "key-a" }, body: JSON.stringify({ query: ME }) });
    assert.equal(((await plain.json()) as { extensions?: unknown }).extensions, undefined);
  });
});

/** Sends a query with the cost report header; the body keeps its extensions. */
async function withCostReport(url: string, query: string, token: string) {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", accept: "application/graphql-response+json", authorization: `Bearer ${token}`, "x-cost-report": "1" }, body: JSON.stringify({ query }) });
  return { status: res.status, headers: res.headers, body: (await res.json()) as { data: any; extensions: { cost: unknown } } };
}

describe("the per-route limit", () => {
  const refresh = (alias = "r") => `${alias}: refreshToken(token: "not-a-token") { expiresIn }`;

  it("admits exactly max per window per consumer, counting aliases, then passes after Retry-After", async () => {
    const headers = { "x-api-key": "key-route" };
    const first = await gql(shared.url, `mutation { ${refresh("a")} ${refresh("b")} }`, { headers });
    assert.equal(first.status, 200);
    assert.deepEqual(codes(first), ["INVALID_REFRESH_TOKEN"], "both reached the auth subgraph");
    const seen = proxies.auth.count("refreshToken");
    const refused = await gql(shared.url, `mutation { ${refresh()} }`, { headers });
    assert.equal(refused.status, 429);
    assert.equal(refused.errors![0]!.extensions!.limit, "route:Mutation.refreshToken");
    assert.match(refused.errors![0]!.message, /route:Mutation\.refreshToken/);
    assert.equal(refused.headers.get("ratelimit-limit"), "2");
    const retryAfter = Number(refused.headers.get("retry-after"));
    assert.equal(retryAfter, 1);
    assert.equal(proxies.auth.count("refreshToken"), seen, "the refused request never reached the auth subgraph");
    assert.equal((await gql(shared.url, `mutation { ${refresh()} }`, { headers: { "x-api-key": "key-b" } })).status, 200, "another consumer has its own window");

    await sleep(retryAfter * 1000);
    assert.equal((await gql(shared.url, `mutation { ${refresh()} }`, { headers })).status, 200);
  });

  it("refuses an operation that selects the field more often than a window holds, with no Retry-After", async () => {
    const refused = await gql(shared.url, `mutation { ${refresh("a")} ${refresh("b")} ${refresh("c")} }`, { headers: { "x-api-key": "key-a" } });
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get("retry-after"), null, "no wait would ever admit it, so none is promised");
    assert.match(refused.errors![0]!.message, /never/);
  });
});

describe("the global cap", () => {
  it("refuses once the total cost per second across consumers passes the cap", async () => {
    // A burst of 4, refilled at 1 per second: the fifth request within a second is over.
    const gateway = await gatewayWith({ tiers: tiers(), global: { costPerSecond: 1, burstSeconds: 4 } });
    const keys = ["key-a", "key-b", "key-a", "key-b"];
    for (const key of keys) assert.equal((await gql(gateway.url, ME, { headers: { "x-api-key": key } })).status, 200);
    const seen = proxies.auth.count("me");
    const refused = await gql(gateway.url, ME);
    assert.equal(refused.status, 429);
    assert.equal(refused.errors![0]!.extensions!.limit, "global");
    assert.equal(refused.headers.get("retry-after"), "1");
    assert.equal(proxies.auth.count("me"), seen);
  });
});

describe("measure mode and the dynamic load factor", () => {
  let gateway: TestGateway;
  before(async () => {
    gateway = await gatewayWith(
      {
        mode: "measure",
        cost: { maxCost: 10 },
        tiers: tiers({ anonymous: { capacity: 1, refillPerSecond: 0.01 }, partner: { capacity: 100, refillPerSecond: 100 } }),
        dynamic: { intervalMs: 100, eventLoopDelayMs: 250, decrease: 0.5, recoverStep: 0.1 },
      },
      { captureLogs: true },
    );
  });

  it("measure mode refuses nothing and logs what it would have refused", async () => {
    for (let i = 0; i < 3; i++) assert.equal((await gql(gateway.url, ME)).status, 200);
    assert.equal((await gql(gateway.url, "{ a: me { name } b: me { name } c: me { name } d: me { name } e: me { name } f: me { name } g: me { name } h: me { name } i: me { name } j: me { name } k: me { name } }")).status, 200, "above the max cost too");
    assert.ok(gateway.logs.some((l) => l.msg === "rate limit would reject (measure mode)"));
  });

  it("shrinks limits while the event loop is blocked, exports the factor, and recovers", async () => {
    const headers = { "x-api-key": "key-a" };
    const limitNow = async () => Number((await gql(gateway.url, ME, { headers })).headers.get("ratelimit-limit"));
    // Starting a gateway is itself load on a busy machine: begin from full limits.
    for (const deadline = Date.now() + 5_000; (await limitNow()) < 100 && Date.now() < deadline; ) await sleep(100);
    assert.equal(await limitNow(), 100);

    // Overload is sustained, not one blip: block the event loop the gateway shares with this test
    // in a few rounds, polling after each, since one block can fall between two samples.
    let shrunk = 100;
    for (let round = 0; round < 5 && shrunk >= 100; round++) {
      const until = Date.now() + 400;
      while (Date.now() < until) {
        // busy: the gateway's event loop is blocked too
      }
      for (const deadline = Date.now() + 400; shrunk >= 100 && Date.now() < deadline; ) {
        await sleep(25);
        shrunk = await limitNow();
      }
    }
    assert.ok(shrunk < 100, `the limit shrank (got ${shrunk})`);
    const metrics = await (await fetch(gateway.url.replace("/graphql", "/metrics"))).text();
    assert.match(metrics, /gateway_rate_limit_load_factor 0\.[0-9]+/);

    const deadline = Date.now() + 5_000;
    let limit = shrunk;
    while (limit < 100 && Date.now() < deadline) {
      await sleep(100);
      limit = await limitNow();
    }
    assert.equal(limit, 100, "the limit recovered once the load was gone");
  });
});

describe("the demo configuration (README numbers)", () => {
  it("answers 429 to an anonymous burst after about 100 requests and refuses orders(first: 100000) as too expensive", async () => {
    // Without the load factor: on a busy test machine it would (rightly) shrink the budget.
    const gateway = await gatewayWith({ ...demoConfig.limits!, dynamic: undefined }, { asIs: true });
    // 150 requests, 25 at a time: the first 100 fit the burst, refills add about 2 a second.
    const statuses: number[] = [];
    for (let batch = 0; batch < 6; batch++) {
      statuses.push(...(await Promise.all(Array.from({ length: 25 }, async () => (await gql(gateway.url, ME)).status))));
    }
    const passed = statuses.filter((s) => s === 200).length;
    assert.ok(passed >= 100 && passed < 150, `${passed} of 150 passed`);
    assert.deepEqual([...new Set(statuses)].sort(), [200, 429]);
    const big = await gql(gateway.url, "{ orders(first: 100000) { edges { node { id } } } }", { token: alice });
    assert.equal(big.status, 400);
    const { code, estimatedCost, maxCost } = big.errors![0]!.extensions!;
    assert.deepEqual({ code, estimatedCost, maxCost }, { code: "COST_ESTIMATED_TOO_EXPENSIVE", estimatedCost: 200_001, maxCost: 1000 });
  });
});
