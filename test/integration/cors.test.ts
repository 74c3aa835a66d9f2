/**
 * CORS on the GraphQL path: preflights answered for listed origins and refused for others,
 * every answer to a listed origin readable by its page (errors too), and no CORS header at all
 * when no origin is configured (every preflight refused then, as for an origin not listed).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startTestGateway, type TestGateway } from "../helpers/gateway.ts";

const APP = "https://app.example.com";
let listed: TestGateway;
let open: TestGateway;
let none: TestGateway;

before(async () => {
  const base = { readiness: { checkSubgraphs: false } };
  [listed, open, none] = await Promise.all([
    startTestGateway({ ...base, server: { cors: { origins: [APP, "http://localhost:3000"], credentials: true, maxAgeSeconds: 120 } } }),
    startTestGateway({ ...base, server: { cors: { origins: ["*"] } } }),
    startTestGateway(base),
  ]);
});
after(() => Promise.all([listed.stop(), open.stop(), none.stop()]));

const preflight = (url: string, origin: string) =>
  fetch(url, { method: "OPTIONS", headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type, authorization" } });
const query = (url: string, headers: Record<string, string>, body = JSON.stringify({ query: "{ __typename }" })) =>
  fetch(url, { method: "POST", headers: { "content-type": "application/json", accept: "application/graphql-response+json", ...headers }, body });

describe("CORS", () => {
  it("answers a listed origin's preflight with 204, the methods, the headers it may send and how long to cache", async () => {
    const res = await preflight(listed.url, APP);
    assert.equal(res.status, 204);
    assert.equal(res.headers.get("access-control-allow-origin"), APP);
    assert.equal(res.headers.get("access-control-allow-credentials"), "true");
    assert.equal(res.headers.get("access-control-allow-methods"), "GET, POST");
    assert.match(res.headers.get("access-control-allow-headers") ?? "", /\bcontent-type\b.*\bauthorization\b/);
    assert.equal(res.headers.get("access-control-max-age"), "120");
    assert.equal(res.headers.get("vary"), "Origin");
  });

  it("refuses the preflight of an origin not listed with 403 naming it, and no CORS header", async () => {
    const res = await preflight(listed.url, "https://evil.example");
    assert.equal(res.status, 403);
    assert.equal(res.headers.get("access-control-allow-origin"), null);
    const body = (await res.json()) as { errors: Array<{ message: string; extensions: { code: string } }> };
    assert.equal(body.errors[0]!.extensions.code, "CORS_ORIGIN_NOT_ALLOWED");
    assert.match(body.errors[0]!.message, /https:\/\/evil\.example/);
  });

  it("lets a listed origin's page read the answer and the request id", async () => {
    const res = await query(listed.url, { origin: APP });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("access-control-allow-origin"), APP);
    assert.match(res.headers.get("access-control-expose-headers") ?? "", /\bx-request-id\b/);
    assert.deepEqual(await res.json(), { data: { __typename: "Query" } });
  });

  it("makes error answers readable too, so a page sees why it was refused", async () => {
    const res = await query(listed.url, { origin: APP }, "{not json");
    assert.equal(res.status, 400);
    assert.equal(res.headers.get("access-control-allow-origin"), APP);
  });

  it("matches an origin whatever the case of its host", async () => {
    const res = await query(listed.url, { origin: "https://APP.example.com" });
    assert.equal(res.headers.get("access-control-allow-origin"), "https://APP.example.com");
  });

  it("still serves a request from an origin not listed, without the header its page would need", async () => {
    const res = await query(listed.url, { origin: "https://evil.example" });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("access-control-allow-origin"), null);
  });

  it("answers any origin with a fixed * when every origin is allowed", async () => {
    const res = await query(open.url, { origin: "https://anywhere.example" });
    assert.equal(res.headers.get("access-control-allow-origin"), "*");
    assert.doesNotMatch(res.headers.get("vary") ?? "", /Origin/, "a fixed * does not vary by origin");
    assert.equal((await preflight(open.url, "https://anywhere.example")).status, 204);
  });

  it("sends no CORS header when no origin is configured, and refuses every preflight with 403 CORS_ORIGIN_NOT_ALLOWED", async () => {
    const res = await query(none.url, { origin: APP });
    assert.equal(res.headers.get("access-control-allow-origin"), null);
    const refused = await preflight(none.url, APP);
    assert.equal(refused.status, 403);
    assert.equal(refused.headers.get("access-control-allow-origin"), null);
    const body = (await refused.json()) as { errors: Array<{ message: string; extensions: { code: string; requestId: string } }> };
    assert.equal(body.errors[0]!.extensions.code, "CORS_ORIGIN_NOT_ALLOWED");
    assert.match(body.errors[0]!.message, /server\.cors\.origins/);
    assert.equal(body.errors[0]!.extensions.requestId, refused.headers.get("x-request-id"));
  });

  it("treats an OPTIONS without the preflight headers as a method the endpoint does not allow", async () => {
    assert.equal((await fetch(none.url, { method: "OPTIONS" })).status, 405);
  });
});
