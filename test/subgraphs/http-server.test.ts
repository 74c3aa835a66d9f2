import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { AuthSubgraph } from "../../subgraphs/auth/index.ts";
import { createLogger } from "../../subgraphs/shared/logger.ts";
import { gql, startTestAuth, tokensFor } from "../helpers/subgraphs.ts";

describe("subgraph HTTP server", () => {
  const lines: Record<string, unknown>[] = [];
  let auth: AuthSubgraph;

  before(async () => {
    const destination = { write: (line: string) => void lines.push(JSON.parse(line)) };
    auth = await startTestAuth({ logger: createLogger({ service: "auth", level: "info", destination }) });
  });
  after(() => auth.close());

  it("writes one access line per request with request id, operation name, status and duration, and never the token", async () => {
    const { bob } = await tokensFor(auth.url, ["bob"]);
    lines.length = 0;
    const result = await gql(auth.url, "query WhoAmI { me { id } }", { token: bob, headers: { "x-request-id": "req-123" } });
    assert.equal(result.headers.get("x-request-id"), "req-123");
    const access = lines.filter((line) => line.msg === "request completed");
    assert.equal(access.length, 1);
    assert.deepEqual(
      { requestId: access[0]!.requestId, operationName: access[0]!.operationName, status: access[0]!.status, path: access[0]!.path },
      { requestId: "req-123", operationName: "WhoAmI", status: 200, path: "/graphql" },
    );
    assert.equal(typeof access[0]!.durationMs, "number");
    assert.ok(typeof access[0]!.time === "string");
    assert.ok(!JSON.stringify(lines).includes(bob));
  });

  it("makes up a request id when the client sends none or a malformed one", async () => {
    const result = await gql(auth.url, "{ me { id } }", { headers: { "x-request-id": "bad id with spaces" } });
    assert.match(result.headers.get("x-request-id")!, /^[0-9a-f-]{36}$/);
  });

  it("answers 400 to a malformed JSON body and 413 to an oversized one", async () => {
    const post = (body: string) => fetch(auth.url, { method: "POST", headers: { "content-type": "application/json" }, body });
    assert.equal((await post("{not json")).status, 400);
    assert.equal((await post(JSON.stringify({ query: "{ me { id } }", padding: "x".repeat(1_100_000) }))).status, 413);
  });

  it("answers 404 for unknown paths", async () => {
    assert.equal((await fetch(`${auth.origin}/nope`)).status, 404);
  });
});
