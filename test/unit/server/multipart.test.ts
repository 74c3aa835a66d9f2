/**
 * Incremental delivery to a slow reader, over a real socket: while the client reads nothing the
 * later parts are held back (not run, not buffered), they all arrive once it reads, and a client
 * that leaves while held back ends the response and the parts not yet run.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, request as httpRequest, type ClientRequest, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { sendMultipart } from "../../../gateway/src/server/multipart.ts";
import type { FormattedSubsequentPayload } from "../../../gateway/src/pipeline/pipeline.ts";

const PARTS = 40;
const PART_BYTES = 512 * 1024;

/** Deferred parts of half a megabyte each, counting how many were asked for and whether the rest was ended. */
function deferredParts() {
  const state = { pulled: 0, ended: false };
  async function* parts(): AsyncGenerator<FormattedSubsequentPayload> {
    try {
      for (let i = 0; i < PARTS; i++) {
        state.pulled++;
        yield { hasNext: i < PARTS - 1, incremental: [{ data: { i, blob: "x".repeat(PART_BYTES) }, path: ["part"] }] } as FormattedSubsequentPayload;
      }
    } finally {
      state.ended = true;
    }
  }
  return { state, parts: parts() };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe("multipart answers to a slow reader", () => {
  let server: Server;
  let port: number;
  let current: { res: ServerResponse; sent: Promise<void>; state: { pulled: number; ended: boolean } } | undefined;

  before(async () => {
    server = createServer((_req, res) => {
      const { state, parts } = deferredParts();
      current = { res, state, sent: sendMultipart(res, JSON.stringify({ data: { part: {} }, hasNext: true }), parts) };
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** A client that sends the request and then reads nothing until told to. */
  async function pausedClient(): Promise<{ response: IncomingMessage; request: ClientRequest }> {
    current = undefined;
    const request = httpRequest({ host: "127.0.0.1", port, method: "POST", path: "/graphql", headers: { "content-length": 0 } });
    request.end();
    const [response] = (await once(request, "response")) as [IncomingMessage];
    response.pause();
    await until(() => current !== undefined && current.res.writableNeedDrain, "the response to be held back");
    return { response, request };
  }

  it("holds later parts back while the client reads nothing, and sends every part in order once it reads", { timeout: 30_000 }, async () => {
    const { response } = await pausedClient();
    const held = current!;
    assert.ok(held.state.pulled < PARTS, `parts held back while the client reads nothing (${held.state.pulled} of ${PARTS} run)`);
    const chunks: Buffer[] = [];
    for await (const chunk of response) chunks.push(chunk as Buffer);
    await held.sent;
    const body = Buffer.concat(chunks).toString("latin1");
    assert.ok(body.endsWith("\r\n--graphql--\r\n"), "the closing boundary ends it");
    const parts = body.slice(0, -"\r\n--graphql--\r\n".length).split("\r\n--graphql\r\ncontent-type: application/json; charset=utf-8\r\n\r\n").slice(1);
    assert.equal(parts.length, PARTS + 1, "the first payload and every deferred part");
    parts.slice(1).forEach((part, i) => {
      const payload = JSON.parse(part) as { incremental: Array<{ data: { i: number; blob: string } }> };
      assert.equal(payload.incremental[0]!.data.i, i);
      assert.equal(payload.incremental[0]!.data.blob.length, PART_BYTES);
    });
  });

  it("stops, and ends the parts not yet run, when a client leaves while held back", { timeout: 30_000 }, async () => {
    const { request } = await pausedClient();
    const held = current!;
    request.destroy();
    await held.sent;
    assert.ok(held.state.ended, "the deferred parts were ended");
    assert.ok(held.state.pulled < PARTS, `the parts after it were never run (${held.state.pulled} of ${PARTS})`);
  });
});
