/**
 * The HTTP edge answers every malformed request with a 4xx and a GraphQL error naming the
 * problem, never a 5xx or an HTML page. No subgraph is needed: none of these reach one.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import { connect } from "node:net";
import { gzipSync } from "node:zlib";
import { startTestGateway, type TestGateway } from "../helpers/gateway.ts";

let gateway: TestGateway;

before(async () => {
  gateway = await startTestGateway({ server: { bodyLimitBytes: 10_000, bodyTimeoutMs: 400 }, readiness: { checkSubgraphs: false } });
});
after(() => gateway.stop());

async function send(init: RequestInit & { path?: string }) {
  const url = init.path ? gateway.url.replace("/graphql", init.path) : gateway.url;
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, contentType: res.headers.get("content-type") ?? "", body: JSON.parse(text) as { errors?: Array<{ message: string; extensions?: { code?: string } }>; data?: unknown } };
}

const json = { "content-type": "application/json", accept: "application/graphql-response+json" };

/** Writes `text` on a raw TCP connection and returns everything the gateway sends until it closes. */
function rawExchange(text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(gateway.port, "127.0.0.1", () => socket.write(text));
    let received = "";
    socket.setEncoding("utf8");
    socket.on("data", (c: string) => (received += c));
    socket.on("close", () => resolve(received));
    socket.on("error", reject);
    socket.setTimeout(10_000, () => socket.destroy(new Error("no answer within 10 s")));
  });
}

describe("the HTTP edge", () => {
  it("answers invalid JSON with 400 INVALID_JSON naming the parse error", async () => {
    const r = await send({ method: "POST", headers: json, body: '{"query": "{ __typename }"' });
    assert.equal(r.status, 400);
    assert.equal(r.body.errors?.[0]?.extensions?.code, "INVALID_JSON");
    assert.match(r.body.errors![0]!.message, /not valid JSON/);
  });

  it("answers an empty body with 400 EMPTY_BODY", async () => {
    const r = await send({ method: "POST", headers: json, body: "" });
    assert.equal(r.status, 400);
    assert.equal(r.body.errors?.[0]?.extensions?.code, "EMPTY_BODY");
  });

  it("answers an unknown field with 400 GRAPHQL_VALIDATION_FAILED naming the field", async () => {
    const r = await send({ method: "POST", headers: json, body: JSON.stringify({ query: "{ noSuchField }" }) });
    assert.equal(r.status, 400);
    assert.equal(r.body.errors?.[0]?.extensions?.code, "GRAPHQL_VALIDATION_FAILED");
    assert.match(r.body.errors![0]!.message, /noSuchField/);
  });

  it("answers a syntax error with 400 GRAPHQL_PARSE_FAILED", async () => {
    const r = await send({ method: "POST", headers: json, body: JSON.stringify({ query: "{ orders(" }) });
    assert.equal(r.status, 400);
    assert.equal(r.body.errors?.[0]?.extensions?.code, "GRAPHQL_PARSE_FAILED");
  });

  it("answers a wrong content type with 415 naming the type it got", async () => {
    const r = await send({ method: "POST", headers: { "content-type": "text/xml" }, body: "<query/>" });
    assert.equal(r.status, 415);
    assert.equal(r.body.errors?.[0]?.extensions?.code, "UNSUPPORTED_MEDIA_TYPE");
    assert.match(r.body.errors![0]!.message, /text\/xml/);
  });

  it("answers a compressed request body with 415 naming the encoding, instead of failing to parse it", async () => {
    const r = await send({ method: "POST", headers: { ...json, "content-encoding": "gzip" }, body: gzipSync(JSON.stringify({ query: "{ __typename }" })) });
    assert.equal(r.status, 415);
    assert.equal(r.body.errors?.[0]?.extensions?.code, "UNSUPPORTED_MEDIA_TYPE");
    assert.match(r.body.errors![0]!.message, /Content-Encoding "gzip" is not supported/);
  });

  it("answers a missing content type with 415 asking for application/json", async () => {
    const r = await send({ method: "POST", body: JSON.stringify({ query: "{ __typename }" }) });
    assert.equal(r.status, 415);
    assert.match(r.body.errors![0]!.message, /application\/json/);
  });

  it("answers a JSON body that is not an object with 400", async () => {
    const r = await send({ method: "POST", headers: json, body: "42" });
    assert.equal(r.status, 400);
    assert.equal(r.body.errors?.[0]?.extensions?.code, "BAD_REQUEST");
  });

  it("answers an empty JSON object with 400 saying what to send", async () => {
    const r = await send({ method: "POST", headers: json, body: "{}" });
    assert.equal(r.status, 400);
    assert.equal(r.body.errors?.[0]?.extensions?.code, "BAD_REQUEST");
    assert.match(r.body.errors![0]!.message, /empty JSON object; send \{"query"/);
  });

  it("answers a body with no query with 400", async () => {
    const r = await send({ method: "POST", headers: json, body: JSON.stringify({ variables: {} }) });
    assert.equal(r.status, 400);
    assert.ok(r.body.errors?.[0]?.message);
  });

  it("refuses a declared oversized body with 413 before reading it", async () => {
    const r = await send({ method: "POST", headers: json, body: JSON.stringify({ query: `{ __typename } #${"x".repeat(20_000)}` }) });
    assert.equal(r.status, 413);
    assert.equal(r.body.errors?.[0]?.extensions?.code, "PAYLOAD_TOO_LARGE");
  });

  it("refuses an oversized chunked body with 413 once it passes the limit", async () => {
    const port = gateway.port;
    const result = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, path: "/graphql", method: "POST", headers: { "content-type": "application/json", accept: "application/graphql-response+json", "transfer-encoding": "chunked" } }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on("error", reject);
      for (let i = 0; i < 20; i++) req.write("x".repeat(1000));
      req.end();
    });
    assert.equal(result.status, 413);
    assert.equal(JSON.parse(result.body).errors[0].extensions.code, "PAYLOAD_TOO_LARGE");
  });

  it("gives up on a body that stops arriving with a JSON 408, at the body deadline", async () => {
    const started = performance.now();
    const raw = await rawExchange(`POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"query":`);
    assert.match(raw, /^HTTP\/1\.1 408 /);
    assert.equal(JSON.parse(raw.slice(raw.indexOf("\r\n\r\n") + 4)).errors[0].extensions.code, "REQUEST_BODY_TIMEOUT");
    assert.ok(performance.now() - started < 5_000, "answered at the 400 ms deadline, not Node's minutes");
  });

  it("answers a URL past Node's header limit with a JSON 431 instead of a bare status line", async () => {
    const raw = await rawExchange(`GET /graphql?query=${"x".repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    assert.match(raw, /^HTTP\/1\.1 431 /);
    const body = JSON.parse(raw.slice(raw.indexOf("\r\n\r\n") + 4));
    assert.equal(body.errors[0].extensions.code, "REQUEST_HEADER_FIELDS_TOO_LARGE");
    assert.match(body.errors[0].message, /POST body/);
  });

  it("answers a malformed request line with a JSON 400", async () => {
    const raw = await rawExchange("BREW /graphql HTCPCP/1.0\r\n\r\n");
    assert.match(raw, /^HTTP\/1\.1 400 /);
    assert.equal(JSON.parse(raw.slice(raw.indexOf("\r\n\r\n") + 4)).errors[0].extensions.code, "BAD_REQUEST");
  });

  it("answers an unknown path with a JSON 404", async () => {
    const r = await send({ path: "/nope", method: "GET" });
    assert.equal(r.status, 404);
    assert.match(r.contentType, /application\/json/);
    assert.equal(r.body.errors?.[0]?.extensions?.code, "NOT_FOUND");
  });

  it("answers an unsupported method with a JSON 405", async () => {
    const r = await send({ method: "DELETE" });
    assert.equal(r.status, 405);
    assert.equal(r.body.errors?.[0]?.extensions?.code, "METHOD_NOT_ALLOWED");
  });

  it("serves a query over GET", async () => {
    const res = await fetch(`${gateway.url}?query=${encodeURIComponent("{ __typename }")}`, { headers: { "apollo-require-preflight": "1" } });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { data: { __typename: "Query" } });
  });

  it("refuses a mutation over GET", async () => {
    const res = await fetch(`${gateway.url}?query=${encodeURIComponent('mutation { login(email: "a", password: "b") { accessToken } }')}`, { headers: { "apollo-require-preflight": "1" } });
    assert.equal(res.status, 405);
  });

  it("refuses a GET without a preflight-forcing header as a possible CSRF", async () => {
    const res = await fetch(`${gateway.url}?query=${encodeURIComponent("{ __typename }")}`);
    assert.equal(res.status, 400);
    const body = (await res.json()) as { errors: Array<{ message: string; extensions: { code: string; requestId: string } }> };
    assert.equal(body.errors[0]!.extensions.code, "CSRF_PREVENTED");
    assert.match(body.errors[0]!.message, /apollo-require-preflight/);
    assert.match(body.errors[0]!.message, /Content-Type: application\/json/);
    assert.equal(body.errors[0]!.extensions.requestId, res.headers.get("x-request-id"));
  });

  it("serves the GraphQL endpoint with a trailing slash too", async () => {
    const r = await send({ path: "/graphql/", method: "POST", headers: json, body: JSON.stringify({ query: "{ __typename }" }) });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { data: { __typename: "Query" } });
    const get = await fetch(`${gateway.url}/?query=${encodeURIComponent("{ __typename }")}`, { headers: { "apollo-require-preflight": "1" } });
    assert.equal(get.status, 200);
  });

  it("refuses the form and text content types a browser sends without a preflight", async () => {
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]) {
      const r = await send({ method: "POST", headers: { "content-type": type }, body: JSON.stringify({ query: "{ __typename }" }) });
      assert.equal(r.status, 415, type);
      assert.equal(r.body.errors?.[0]?.extensions?.code, "UNSUPPORTED_MEDIA_TYPE");
    }
  });

  it("answers an Accept header that excludes JSON with a JSON 406", async () => {
    const r = await send({ method: "POST", headers: { ...json, accept: "text/xml" }, body: JSON.stringify({ query: "{ __typename }" }) });
    assert.equal(r.status, 406);
    assert.match(r.contentType, /application\/json/);
    assert.ok(r.body.errors?.[0]?.extensions?.code);
  });

  it("echoes a sane x-request-id and generates one otherwise", async () => {
    const mine = await fetch(gateway.url, { method: "POST", headers: { ...json, "x-request-id": "req-123" }, body: JSON.stringify({ query: "{ __typename }" }) });
    assert.equal(mine.headers.get("x-request-id"), "req-123");
    const evil = await fetch(gateway.url, { method: "POST", headers: { ...json, "x-request-id": "bad id; with spaces" }, body: JSON.stringify({ query: "{ __typename }" }) });
    assert.match(evil.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/);
  });

  it("serves /healthz as soon as it listens", async () => {
    const r = await send({ path: "/healthz", method: "GET" });
    assert.deepEqual(r.body, { status: "ok" });
  });
});
