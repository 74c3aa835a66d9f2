/**
 * Behind a trusted load balancer, the client's address comes from X-Forwarded-For: anonymous
 * callers get a rate-limit budget each instead of sharing the balancer's, and the access log
 * names the client. Without trusted proxies the header is ignored.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startTestGateway, type TestGateway } from "../helpers/gateway.ts";

const roomy = { capacity: 100_000, refillPerSecond: 100_000 };
const limits = { tiers: { anonymous: { capacity: 2, refillPerSecond: 0.001 }, customer: roomy, partner: roomy, admin: roomy } };
let behindProxy: TestGateway;
let direct: TestGateway;

before(async () => {
  const base = { readiness: { checkSubgraphs: false }, limits };
  [behindProxy, direct] = await Promise.all([
    startTestGateway({ ...base, server: { trustedProxies: ["127.0.0.1", "::1", "::ffff:127.0.0.1"] } }, { captureLogs: true }),
    startTestGateway(base, { captureLogs: true }),
  ]);
});
after(() => Promise.all([behindProxy.stop(), direct.stop()]));

const ask = (gateway: TestGateway, forwardedFor: string) =>
  fetch(gateway.url, { method: "POST", headers: { "content-type": "application/json", accept: "application/graphql-response+json", "x-forwarded-for": forwardedFor, "x-request-id": `ca-${forwardedFor}-${Math.random()}` }, body: '{"query":"{ __typename }"}' });

describe("the client address behind a trusted proxy", () => {
  it("gives each forwarded client its own anonymous budget", async () => {
    const a = [await ask(behindProxy, "203.0.113.1"), await ask(behindProxy, "203.0.113.1"), await ask(behindProxy, "203.0.113.1")].map((r) => r.status);
    assert.deepEqual(a, [200, 200, 429], "the third request of one client is over its budget of two");
    assert.equal((await ask(behindProxy, "203.0.113.2")).status, 200, "another client behind the same proxy still has its own");
  });

  it("is the address the access log shows", async () => {
    await ask(behindProxy, "198.51.100.77");
    const line = behindProxy.logs.find((l) => l.msg === "request completed" && l.clientAddress === "198.51.100.77");
    assert.ok(line, "an access-log line names the forwarded client");
  });

  it("is ignored without trusted proxies: every forwarded claim shares the peer's budget", async () => {
    const statuses = [await ask(direct, "203.0.113.1"), await ask(direct, "203.0.113.2"), await ask(direct, "203.0.113.3")].map((r) => r.status);
    assert.deepEqual(statuses, [200, 200, 429]);
    const line = direct.logs.find((l) => l.msg === "request completed");
    assert.match(String(line?.clientAddress), /127\.0\.0\.1/);
  });
});
