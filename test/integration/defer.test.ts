/**
 * `@defer` over HTTP: a client that reads multipart/mixed gets the primary part first and each
 * deferred fragment as it completes, parsed here by meros (the multipart reader Apollo Client's
 * and urql's transports use); put back together, the parts equal the answer to the same query
 * without @defer. A client that does not accept multipart gets the whole answer at once.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import { meros } from "meros/node";
import { demoAuth, startTestSystem, type TestSystem } from "../helpers/system.ts";
import { EMAILS, gql, DEMO_PASSWORD } from "../helpers/subgraphs.ts";
import { canonicalJson } from "../../gateway/src/subgraph/canonical-json.ts";

let system: TestSystem;
let alice: string;

before(async () => {
  system = await startTestSystem((s) => ({ auth: demoAuth(s) }));
  const login = await gql<{ login: { accessToken: string } }>(system.gateway.url, `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }`, {
    variables: { e: EMAILS.alice, p: DEMO_PASSWORD },
  });
  alice = login.data!.login.accessToken;
});
after(() => system.close());

const DEFERRED = `query Deferred {
  me { id name }
  orders(first: 3) { edges { node { id totalCents ... @defer(label: "tracking") { delivery { status events { status } } payment { status amountCents } } } } }
}`;
const WHOLE = DEFERRED.replace(` @defer(label: "tracking")`, "");

interface Part {
  data?: Record<string, any>;
  errors?: unknown[];
  hasNext: boolean;
  incremental?: Array<{ data: Record<string, unknown> | null; path: Array<string | number>; label?: string; errors?: unknown[] }>;
}

/** POSTs with the Accept header a multipart client sends and reads every part with meros. */
function postMultipart(query: string, token: string): Promise<{ status: number; contentType: string; parts: Part[] }> {
  return new Promise((resolve, reject) => {
    const req = request(
      system.gateway.url,
      {
        method: "POST",
        headers: { "content-type": "application/json", accept: "multipart/mixed;deferSpec=20220824,application/json", authorization: `Bearer ${token}` },
      },
      (res) => {
        void (async () => {
          const parts: Part[] = [];
          if (String(res.headers["content-type"]).startsWith("multipart/mixed")) {
            for await (const part of await meros<Part>(res)) parts.push(part.body as Part);
          } else {
            parts.push(JSON.parse(await text(res)) as Part);
          }
          resolve({ status: res.statusCode ?? 0, contentType: String(res.headers["content-type"]), parts });
        })().catch(reject);
      },
    );
    req.on("error", reject);
    req.end(JSON.stringify({ query }));
  });
}

async function text(stream: AsyncIterable<Buffer | string>): Promise<string> {
  let out = "";
  for await (const chunk of stream) out += chunk.toString();
  return out;
}

/** Puts each incremental item's data into the first payload's data at its path. */
function assemble(parts: Part[]): Record<string, unknown> {
  const data = structuredClone(parts[0]!.data!) as Record<string, any>;
  for (const part of parts.slice(1)) {
    for (const item of part.incremental ?? []) {
      let at: any = data;
      for (const key of item.path) at = at[key];
      Object.assign(at, item.data);
    }
  }
  return data;
}

describe("@defer over multipart/mixed", () => {
  it("sends the primary part first, then each deferred fragment at its path, ending with hasNext false", async () => {
    const { status, contentType, parts } = await postMultipart(DEFERRED, alice);
    assert.equal(status, 200);
    assert.match(contentType, /^multipart\/mixed; boundary="graphql"; deferSpec=20220824/);
    assert.ok(parts.length >= 2, `got ${parts.length} parts`);
    const [first, ...rest] = parts;
    assert.equal(first!.hasNext, true);
    assert.equal(first!.errors, undefined, JSON.stringify(first!.errors));
    const nodes = first!.data!.orders.edges.map((e: any) => e.node);
    assert.equal(nodes.length, 3);
    for (const node of nodes) assert.deepEqual(Object.keys(node), ["id", "totalCents"], "deferred fields are not in the first payload");
    assert.equal(rest.at(-1)!.hasNext, false);
    const items = rest.flatMap((p) => p.incremental ?? []);
    assert.deepEqual(
      items.map((i) => i.path),
      [0, 1, 2].map((i) => ["orders", "edges", i, "node"]),
    );
    for (const item of items) {
      assert.equal(item.label, "tracking");
      assert.ok(item.data && "delivery" in item.data && "payment" in item.data);
    }
  });

  it("assembles to exactly the answer of the same query without @defer", async () => {
    const { parts } = await postMultipart(DEFERRED, alice);
    const whole = await gql(system.gateway.url, WHOLE, { token: alice });
    assert.equal(whole.errors, undefined);
    assert.equal(canonicalJson(assemble(parts)), canonicalJson(whole.data));
  });

  it("answers a client that does not accept multipart at once, with everything", async () => {
    const r = await gql(system.gateway.url, DEFERRED, { token: alice });
    const whole = await gql(system.gateway.url, WHOLE, { token: alice });
    assert.equal(r.status, 200);
    assert.match(String(r.headers.get("content-type")), /^application\/graphql-response\+json/);
    assert.deepEqual(r.data, whole.data);
  });

  it("answers a query without @defer in one part's worth of JSON even when multipart is accepted", async () => {
    const { contentType, parts } = await postMultipart(WHOLE, alice);
    assert.match(contentType, /^application\/json/);
    assert.equal(parts.length, 1);
    assert.equal((parts[0] as { hasNext?: boolean }).hasNext, undefined);
  });
});
