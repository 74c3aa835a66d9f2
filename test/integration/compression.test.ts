/**
 * Response compression: a large answer goes brotli- or gzip-compressed to a client that accepts
 * it and decompresses to exactly the answer sent plain; small answers, clients that do not ask,
 * and a gateway with compression off get it as is. Raw node:http, so nothing decompresses for us.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { startTestGateway, type TestGateway } from "../helpers/gateway.ts";

/** Introspection answers tens of kilobytes without any subgraph. */
const LARGE = JSON.stringify({ query: "{ __schema { types { name description fields { name description args { name description } type { name kind ofType { name kind } } } } } }" });
const SMALL = JSON.stringify({ query: "{ __typename }" });

let on: TestGateway;
let off: TestGateway;

before(async () => {
  const base = { mode: "development" as const, readiness: { checkSubgraphs: false } };
  [on, off] = await Promise.all([startTestGateway(base), startTestGateway({ ...base, server: { compression: { enabled: false } } })]);
});
after(() => Promise.all([on.stop(), off.stop()]));

function post(url: string, body: string, acceptEncoding?: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; bytes: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", headers: { "content-type": "application/json", accept: "application/graphql-response+json", ...(acceptEncoding ? { "accept-encoding": acceptEncoding } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

describe("response compression", () => {
  it("sends a large answer brotli-compressed to a client that prefers it, decompressing to the plain answer", async () => {
    const plain = await post(on.url, LARGE);
    assert.equal(plain.headers["content-encoding"], undefined);
    assert.ok(plain.bytes.length > 10_000, `introspection is large (${plain.bytes.length} bytes)`);
    const br = await post(on.url, LARGE, "gzip, deflate, br");
    assert.equal(br.status, 200);
    assert.equal(br.headers["content-encoding"], "br");
    assert.equal(Number(br.headers["content-length"]), br.bytes.length);
    assert.ok(br.bytes.length < plain.bytes.length / 3, `compressed to ${br.bytes.length} of ${plain.bytes.length} bytes`);
    assert.deepEqual(JSON.parse(brotliDecompressSync(br.bytes).toString()), JSON.parse(plain.bytes.toString()));
    assert.match(String(br.headers.vary), /Accept-Encoding/);
  });

  it("sends gzip to a client that accepts only gzip", async () => {
    const gz = await post(on.url, LARGE, "gzip");
    assert.equal(gz.headers["content-encoding"], "gzip");
    assert.equal(JSON.parse(gunzipSync(gz.bytes).toString()).data.__schema.types.length > 10, true);
  });

  it("sends a small answer as is, still saying it varies by Accept-Encoding", async () => {
    const r = await post(on.url, SMALL, "gzip, br");
    assert.equal(r.headers["content-encoding"], undefined);
    assert.deepEqual(JSON.parse(r.bytes.toString()), { data: { __typename: "Query" } });
    assert.match(String(r.headers.vary), /Accept-Encoding/);
  });

  it("sends everything as is when compression is off", async () => {
    const r = await post(off.url, LARGE, "gzip, br");
    assert.equal(r.headers["content-encoding"], undefined);
    assert.ok(JSON.parse(r.bytes.toString()).data.__schema);
  });
});
