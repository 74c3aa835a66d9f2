/**
 * `@defer` over HTTP: a client that reads multipart/mixed gets the primary part first and each
 * deferred fragment as it completes, parsed here by meros (the multipart reader Apollo Client's
 * and urql's transports use); put back together, the parts equal the answer to the same query
 * without @defer. The same parts arrive as events over SSE. A client that accepts neither gets
 * the whole answer at once.
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

/** POSTs over GraphQL-over-SSE and returns the `next` events' payloads, checking the stream completes. */
async function postEventStream(query: string, token: string): Promise<{ status: number; events: Part[]; body: unknown }> {
  const response = await fetch(system.gateway.url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "text/event-stream", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
  });
  const raw = await response.text();
  if (!String(response.headers.get("content-type")).startsWith("text/event-stream")) return { status: response.status, events: [], body: JSON.parse(raw) };
  const events: Part[] = [];
  let completed = false;
  for (const block of raw.split("\n\n")) {
    const event = /^event: (\w+)/m.exec(block)?.[1];
    const data = /^data: ?(.*)$/m.exec(block)?.[1];
    if (event === "next") events.push(JSON.parse(data!) as Part);
    if (event === "complete") completed = true;
  }
  assert.ok(completed, "the stream ends with a complete event");
  return { status: response.status, events, body: undefined };
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

describe("@defer over Server-Sent Events", () => {
  it("sends the first payload and each deferred part as next events, assembling to the whole answer", async () => {
    const { status, events } = await postEventStream(DEFERRED, alice);
    assert.equal(status, 200);
    assert.ok(events.length >= 2);
    assert.equal(events[0]!.hasNext, true);
    assert.equal(events.at(-1)!.hasNext, false);
    const whole = await gql(system.gateway.url, WHOLE, { token: alice });
    assert.equal(canonicalJson(assemble(events)), canonicalJson(whole.data));
  });

  it("answers a query without @defer as one next event", async () => {
    const { events } = await postEventStream(WHOLE, alice);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.hasNext, undefined);
    assert.equal(events[0]!.data!.orders.edges.length, 3);
  });

  it("refuses a mutation over an event stream, which any page could open with a GET", async () => {
    const { status, body } = await postEventStream(`mutation { login(email: "a@example.com", password: "x") { accessToken } }`, alice);
    assert.equal(status, 405);
    assert.equal((body as { errors: Array<{ extensions: { code: string } }> }).errors[0]!.extensions.code, "MUTATION_OVER_GET");
  });
});
