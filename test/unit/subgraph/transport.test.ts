import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { InstanceTransport, type TransportOptions } from "../../../gateway/src/subgraph/transport.ts";
import { SubgraphFetchError, type SubgraphRequest } from "../../../gateway/src/subgraph/types.ts";

const defaults: TransportOptions = { connectTimeoutMs: 1_000, timeoutMs: 2_000, connections: 4, maxResponseBytes: 1_048_576 };

/** A real subgraph stand-in on 127.0.0.1 whose every request is answered by `answer`. */
async function subgraph(answer: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<{ url: string; server: Server; received: string[] }> {
  const received: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => (body += c));
    req.on("end", () => {
      received.push(body);
      answer(req, res, body);
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  after(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`, server, received };
}

function transport(url: string, options: Partial<TransportOptions> = {}): InstanceTransport {
  const t = new InstanceTransport(url, { ...defaults, ...options });
  after(() => t.close());
  return t;
}

function request(signal?: AbortSignal): SubgraphRequest {
  return { subgraph: "orders", operationKind: "query", body: { query: "{ orders { id } }" }, headers: { "content-type": "application/json" }, context: undefined, signal };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(typeof body === "string" ? body : JSON.stringify(body));
}

async function failure(promise: Promise<unknown>): Promise<SubgraphFetchError> {
  const error = await promise.then(
    () => assert.fail("the fetch should have failed"),
    (e: unknown) => e,
  );
  assert.ok(error instanceof SubgraphFetchError, `expected a SubgraphFetchError, got ${String(error)}`);
  return error;
}

describe("the subgraph transport", () => {
  it("posts the body and returns the status, the parsed body and the text as received", async () => {
    const sub = await subgraph((_req, res) => json(res, 200, { data: { orders: [{ id: "1" }] } }));
    const response = await transport(sub.url).send(request());
    assert.equal(response.status, 200);
    assert.deepEqual(response.body, { data: { orders: [{ id: "1" }] } });
    assert.equal(response.text, '{"data":{"orders":[{"id":"1"}]}}');
    assert.equal(response.instance, sub.url);
    assert.deepEqual(sub.received.map((b) => JSON.parse(b)), [{ query: "{ orders { id } }" }]);
  });

  it("sends the text the dedup layer already serialized, unchanged", async () => {
    const sub = await subgraph((_req, res) => json(res, 200, { data: null }));
    await transport(sub.url).send({ ...request(), bodyText: '{"query":"{ a }"}' });
    assert.deepEqual(sub.received, ['{"query":"{ a }"}']);
  });

  it("reads a body that arrives in many chunks whole", async () => {
    const ids = Array.from({ length: 5_000 }, (_, i) => ({ id: String(i) }));
    const sub = await subgraph((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      const text = JSON.stringify({ data: { orders: ids } });
      for (let i = 0; i < text.length; i += 1_000) res.write(text.slice(i, i + 1_000));
      res.end();
    });
    const response = await transport(sub.url).send(request());
    assert.equal((response.body.data?.orders as unknown[]).length, 5_000);
  });

  it("keeps a GraphQL error response with a 4xx or 5xx status that carries data", async () => {
    const sub = await subgraph((_req, res) => json(res, 500, { data: { orders: null }, errors: [{ message: "boom" }] }));
    const response = await transport(sub.url).send(request());
    assert.equal(response.status, 500);
    assert.equal(response.body.errors?.[0]?.message, "boom");
  });

  it("fails a 5xx without data as a status failure the balancer sees", async () => {
    const sub = await subgraph((_req, res) => json(res, 503, { errors: [{ message: "overloaded" }] }));
    const error = await failure(transport(sub.url).send(request()));
    assert.equal(error.kind, "status");
    assert.equal(error.status, 503);
  });

  it("fails a body that is not JSON as invalid-body, naming the status", async () => {
    const sub = await subgraph((_req, res) => {
      res.writeHead(502, { "content-type": "text/html" });
      res.end("<html>bad gateway</html>");
    });
    const error = await failure(transport(sub.url).send(request()));
    assert.equal(error.kind, "invalid-body");
    assert.equal(error.status, 502);
    assert.match(error.message, /non-JSON body \(HTTP 502\)/);
  });

  it("fails JSON that is not a GraphQL response as invalid-body", async () => {
    const sub = await subgraph((_req, res) => json(res, 200, { hello: "world" }));
    assert.equal((await failure(transport(sub.url).send(request()))).kind, "invalid-body");
  });

  it("refuses a response larger than maxResponseBytes instead of reading it all", async () => {
    const sub = await subgraph((_req, res) => json(res, 200, { data: { blob: "x".repeat(200_000) } }));
    const error = await failure(transport(sub.url, { maxResponseBytes: 100_000 }).send(request()));
    assert.equal(error.kind, "invalid-body");
    assert.match(error.message, /larger than 100000 bytes/);
  });

  it("times out a subgraph that never answers, at the fetch deadline", async () => {
    const sub = await subgraph(() => undefined);
    const started = performance.now();
    const error = await failure(transport(sub.url, { timeoutMs: 150 }).send(request()));
    assert.equal(error.kind, "timeout");
    assert.match(error.message, /timed out after 150 ms/);
    assert.ok(performance.now() - started < 1_500, "the deadline, not a later undici timeout, ended the fetch");
  });

  it("settles at its deadline while it still waits for a free connection", async () => {
    const sub = await subgraph(() => undefined);
    const t = transport(sub.url, { connections: 1, timeoutMs: 300 });
    const first = failure(t.send(request()));
    await new Promise((r) => setTimeout(r, 100));
    const second = failure(t.send(request())); // queued behind the first on the only connection
    const [a, b] = await Promise.all([first, second]);
    assert.equal(a.kind, "timeout");
    assert.equal(b.kind, "timeout");
  });

  it("is cancelled when the caller's signal aborts, and says so", async () => {
    const sub = await subgraph(() => undefined);
    const caller = new AbortController();
    const pending = failure(transport(sub.url).send(request(caller.signal)));
    await new Promise((r) => setTimeout(r, 50));
    caller.abort();
    assert.equal((await pending).kind, "aborted");
  });

  it("never sends a fetch whose caller has already gone", async () => {
    const sub = await subgraph((_req, res) => json(res, 200, { data: null }));
    const error = await failure(transport(sub.url).send(request(AbortSignal.abort())));
    assert.equal(error.kind, "aborted");
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(sub.received.length, 0);
  });

  it("reports a refused connection as connect, which any operation may retry", async () => {
    const sub = await subgraph(() => undefined);
    await new Promise<void>((resolve) => sub.server.close(() => resolve()));
    const error = await failure(transport(sub.url).send(request()));
    assert.equal(error.kind, "connect");
    assert.equal(error.mayHaveReachedSubgraph, false);
  });

  it("reports a connection dropped mid-response as reset", async () => {
    const sub = await subgraph((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": "1000" });
      res.write('{"data":');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const error = await failure(transport(sub.url).send(request()));
    assert.equal(error.kind, "reset");
    assert.equal(error.mayHaveReachedSubgraph, true);
  });
});
