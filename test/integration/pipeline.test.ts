/**
 * The order of the pipeline's stages, as a client sees it: every request is charged before the
 * work it causes, whatever its outcome; a mutation whose answer authorization would null is
 * refused before it runs, so nothing it would have done is lost.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { postGraphQL } from "../helpers/gateway.ts";
import { DEMO_PASSWORD, EMAILS } from "../helpers/subgraphs.ts";
import { demoAuth, startTestSystem, type TestSystem } from "../helpers/system.ts";

let system: TestSystem;
const roomy = { capacity: 100_000, refillPerSecond: 100_000 };

before(async () => {
  system = await startTestSystem((s) => ({
    auth: demoAuth(s),
    subgraphs: { all: { healthCheck: { enabled: false } } },
    // Anonymous callers share one bucket of 1,000 that barely refills: every charge shows.
    limits: { tiers: { anonymous: { capacity: 1_000, refillPerSecond: 0.001 }, customer: roomy, partner: roomy, admin: roomy } },
  }));
});
after(() => system.close());

const remaining = (headers: Headers) => Number(headers.get("ratelimit-remaining"));

describe("the pipeline's stage order", () => {
  const failing = [
    { name: "a document that fails validation", query: "{ nope }", code: "GRAPHQL_VALIDATION_FAILED" },
    { name: "a document that fails to parse", query: "{ orders {", code: "GRAPHQL_PARSE_FAILED" },
    { name: "an operation whose every field authorization removes", query: "{ orders { totalCount } }", code: "UNAUTHORIZED_FIELD_OR_TYPE" },
  ];
  for (const c of failing) {
    it(`charges ${c.name} at least the minimum, before the work it causes`, async () => {
      const first = await postGraphQL(system.gateway.url, c.query);
      assert.equal(first.body.errors?.[0]?.extensions?.code, c.code, JSON.stringify(first.body));
      const before = remaining(first.headers);
      assert.ok(Number.isFinite(before), "the answer carries RateLimit-Remaining");
      for (let i = 0; i < 10; i++) await postGraphQL(system.gateway.url, c.query);
      const last = await postGraphQL(system.gateway.url, c.query);
      assert.ok(remaining(last.headers) <= before - 11, `remaining went from ${before} to ${remaining(last.headers)} over 11 requests`);
    });
  }

  it("refuses, before it runs, a mutation whose answer authorization would null, naming the fields", async () => {
    const login = `mutation { login(email: "${EMAILS.alice}", password: "${DEMO_PASSWORD}") { accessToken user { roles } } }`;
    const r = await postGraphQL(system.gateway.url, login);
    assert.equal(r.status, 403, JSON.stringify(r.body));
    assert.equal(r.body.data, undefined, "nothing ran, so there is no data");
    assert.match(r.body.errors?.[0]?.message ?? "", /User\.roles/);
    // The same mutation without the protected field runs and answers.
    const ok = await postGraphQL(system.gateway.url, login.replace(" user { roles }", ""));
    assert.equal(typeof (ok.body.data?.login as { accessToken?: unknown } | undefined)?.accessToken, "string", JSON.stringify(ok.body));
  });
});
