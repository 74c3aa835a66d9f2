/**
 * APQ registrations shared through a real redis-server: a query registered on one replica is
 * found by hash on another; a Redis outage turns lookups into misses (the client re-sends the
 * query, as the protocol provides), never errors, and sharing resumes when Redis is back.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { Redis } from "ioredis";
import { startTestGateway, type TestGateway } from "../helpers/gateway.ts";
import { startTestRedis, type TestRedis } from "../helpers/redis.ts";

let redis: TestRedis;
let a: TestGateway;
let b: TestGateway;
let alone: TestGateway;

before(async () => {
  redis = await startTestRedis();
  const shared = { readiness: { checkSubgraphs: false }, operations: { persisted: { redis: { url: redis.url, keyPrefix: "apqtest:", commandTimeoutMs: 200, connectTimeoutMs: 500 } } } };
  [a, b, alone] = await Promise.all([startTestGateway(shared), startTestGateway(shared), startTestGateway({ readiness: { checkSubgraphs: false } })]);
});
after(async () => {
  await Promise.all([a.stop(), b.stop(), alone.stop()]);
  await redis.close();
});

const sha = (s: string) => createHash("sha256").update(s).digest("hex");
async function post(url: string, body: unknown) {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", accept: "application/graphql-response+json" }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as { data?: unknown; errors?: Array<{ extensions?: { code?: string } }> } };
}
const byHash = (url: string, query: string) => post(url, { extensions: { persistedQuery: { version: 1, sha256Hash: sha(query) } } });
const register = (url: string, query: string) => post(url, { query, extensions: { persistedQuery: { version: 1, sha256Hash: sha(query) } } });
const codeOf = (r: Awaited<ReturnType<typeof post>>) => r.body.errors?.[0]?.extensions?.code;

describe("APQ registrations in Redis", () => {
  it("registered on one replica, are found by hash on another, and kept for a day under the prefix", async () => {
    const query = "query SharedOne { __typename }";
    assert.equal(codeOf(await byHash(b.url, query)), "PERSISTED_QUERY_NOT_FOUND");
    assert.deepEqual((await register(a.url, query)).body, { data: { __typename: "Query" } });
    assert.deepEqual((await byHash(b.url, query)).body, { data: { __typename: "Query" } });
    assert.equal(codeOf(await byHash(alone.url, query)), "PERSISTED_QUERY_NOT_FOUND", "a gateway without Redis does not see it");

    const client = new Redis(redis.url);
    try {
      const key = `apqtest:apq:${sha(query)}`;
      assert.equal(await client.get(key), query);
      const ttl = await client.ttl(key);
      assert.ok(ttl > 86_000 && ttl <= 86_400, `ttl ${ttl}`);
    } finally {
      client.disconnect();
    }
  });

  it("miss, without an error, while Redis is down, and are shared again once it is back", async () => {
    const before = "query KnownBefore { __typename }";
    await register(a.url, before);
    await byHash(b.url, before); // now in b's own tier too
    await redis.stop();
    try {
      const during = "query RegisteredDuring { __typename }";
      assert.equal((await register(a.url, during)).status, 200, "registration still answers");
      const miss = await byHash(b.url, during);
      assert.ok(miss.status < 500, `status ${miss.status}`);
      assert.equal(codeOf(miss), "PERSISTED_QUERY_NOT_FOUND");
      assert.deepEqual((await byHash(b.url, before)).body, { data: { __typename: "Query" } }, "what b already knew still answers");
    } finally {
      await redis.start();
    }
    const after = "query RegisteredAfter { __typename }";
    let found = false;
    for (let i = 0; i < 60 && !found; i++) {
      await register(a.url, after);
      found = codeOf(await byHash(b.url, after)) === undefined;
      if (!found) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(found, "sharing resumed after Redis came back");
  });
});
