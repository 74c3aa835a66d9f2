/**
 * What an adversary sends: valid-looking documents and bodies built to exhaust the gateway (the
 * shapes of the OWASP GraphQL cheat sheet and graphql-armor). Each is answered with a 4xx and a
 * code naming the limit, within the test's bounded time (completion is asserted, not a duration),
 * and a normal query still succeeds right after, over HTTP, SSE and graphql-ws alike.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { demoAuth, startTestSystem, type TestSystem } from "../helpers/system.ts";
import { sseSubscribe, WsTestClient } from "../helpers/subscription-clients.ts";

let system: TestSystem;

before(async () => {
  system = await startTestSystem((s) => ({ auth: demoAuth(s), subgraphs: { all: { healthCheck: { enabled: false } } } }));
});
after(() => system.close());

/** `{ ...Fn }`, each fragment spreading the previous one twice: 2^n selections from n+1 definitions. */
function fanOut(n: number, body: (previous: string) => string, leaf = "__typename"): string {
  let text = `{ ...F${n} }`;
  for (let i = n; i > 0; i--) text += ` fragment F${i} on Query { ${body(`F${i - 1}`)} }`;
  return `${text} fragment F0 on Query { ${leaf} }`;
}

const repeat = (n: number, f: (i: number) => string, sep = " ") => Array.from({ length: n }, (_, i) => f(i)).join(sep);

interface HostileCase {
  readonly name: string;
  readonly body: string;
  /** Any of these codes is a correct refusal (limits are checked in a fixed order). */
  readonly codes: readonly string[];
}

const json = (value: unknown) => JSON.stringify(value);

const cases: HostileCase[] = [
  { name: "a fan-out of 41 fragments, each spreading the previous twice", body: json({ query: fanOut(40, (p) => `...${p} ...${p}`) }), codes: ["MAX_ROOT_FIELDS_EXCEEDED", "MAX_FIELDS_EXCEEDED"] },
  { name: "the same fan-out through inline fragments", body: json({ query: fanOut(40, (p) => `... on Query { ...${p} } ... on Query { ...${p} }`) }), codes: ["MAX_ROOT_FIELDS_EXCEEDED", "MAX_FIELDS_EXCEEDED"] },
  { name: "the same fan-out through aliases", body: json({ query: fanOut(40, (p) => `...${p} ...${p}`, "a: __typename b: __typename") }), codes: ["MAX_ALIASES_EXCEEDED", "MAX_ROOT_FIELDS_EXCEEDED"] },
  { name: "a fan-out under a real field", body: json({ query: `{ me { ...U30 } } ${repeat(30, (i) => `fragment U${i + 1} on User { ...U${i} ...U${i} }`)} fragment U0 on User { id }` }), codes: ["MAX_FIELDS_EXCEEDED"] },
  { name: "a fragment cycle", body: json({ query: "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }" }), codes: ["GRAPHQL_VALIDATION_FAILED"] },
  { name: "10,000 aliases of one field", body: json({ query: `{ ${repeat(10_000, (i) => `a${i}: __typename`)} }` }), codes: ["MAX_TOKENS_EXCEEDED", "MAX_ALIASES_EXCEEDED"] },
  { name: "5,000 directives on one field", body: json({ query: `{ __typename ${repeat(5_000, () => "@include(if: true)")} }` }), codes: ["MAX_TOKENS_EXCEEDED", "MAX_DIRECTIVES_EXCEEDED"] },
  { name: "one field selected 100,000 times", body: json({ query: `{ ${repeat(100_000, () => "a")} }` }), codes: ["MAX_TOKENS_EXCEEDED"] },
  { name: "real fields nested 50 deep on a recursive type", body: json({ query: `{ __type(name: "Order") { ${"ofType { ".repeat(50)}name${" }".repeat(50)} } }` }), codes: ["MAX_DEPTH_EXCEEDED"] },
  { name: "100,000 nested selections", body: json({ query: `{ ${"a { ".repeat(100_000)}b${" }".repeat(100_000)} }` }), codes: ["MAX_DEPTH_EXCEEDED", "PAYLOAD_TOO_LARGE"] },
  { name: "an input object literal nested 10,000 deep", body: json({ query: `{ orders(first: ${"{ a: ".repeat(10_000)}1${" }".repeat(10_000)}) { totalCount } }` }), codes: ["MAX_DEPTH_EXCEEDED"] },
  { name: "variables nested 100,000 levels", body: `{"query":"query($v: [Int]) { __typename }","variables":{"v":${"[".repeat(100_000)}${"]".repeat(100_000)}}}`, codes: ["INPUT_TOO_DEEP"] },
  { name: "an input object variable nested 100,000 levels", body: `{"query":"query($v: String) { __typename }","variables":{"v":${'{"a":'.repeat(100_000)}1${"}".repeat(100_000)}}}`, codes: ["INPUT_TOO_DEEP", "PAYLOAD_TOO_LARGE"] },
  { name: "extensions nested 100,000 levels", body: `{"query":"{ __typename }","extensions":${'{"a":'.repeat(100_000)}1${"}".repeat(100_000)}}`, codes: ["INPUT_TOO_DEEP", "PAYLOAD_TOO_LARGE"] },
  { name: "a 2 MB string literal", body: json({ query: `{ __type(name: "${"x".repeat(2_000_000)}") { name } }` }), codes: ["PAYLOAD_TOO_LARGE"] },
  { name: "100,000 tokens", body: json({ query: `{ ${repeat(25_000, () => "__typename @skip(if: false)")} }`.slice(0, 900_000) }), codes: ["MAX_TOKENS_EXCEEDED"] },
  { name: "an integer literal far outside Int", body: json({ query: "{ orders(first: 99999999999999999999999999999999) { totalCount } }" }), codes: ["GRAPHQL_VALIDATION_FAILED"] },
  { name: "an integer variable far outside Int", body: json({ query: "query($n: Int) { orders(first: $n) { totalCount } }", variables: { n: 1e300 } }), codes: ["BAD_USER_INPUT"] },
  { name: "a float where an Int goes", body: json({ query: "query($n: Int) { orders(first: $n) { totalCount } }", variables: { n: 1.5 } }), codes: ["BAD_USER_INPUT"] },
  { name: "a huge float literal", body: json({ query: `{ orders(first: 1${"0".repeat(400)}.5e400) { totalCount } }` }), codes: ["GRAPHQL_VALIDATION_FAILED"] },
  { name: "a batch where batching is off", body: json(Array.from({ length: 1_000 }, () => ({ query: "{ __typename }" }))), codes: ["BATCHING_DISABLED"] },
  { name: "a document with 1,000 operations and no operationName", body: json({ query: repeat(1_000, (i) => `query Q${i} { __typename }`) }), codes: ["OPERATION_RESOLUTION_FAILURE"] },
  { name: "__proto__ as a variable name with a non-coercible value", body: `{"query":"query($__proto__: Int) { orders(first: $__proto__) { totalCount } }","variables":{"__proto__":"x"}}`, codes: ["BAD_USER_INPUT"] },
];

async function post(body: string) {
  const res = await fetch(system.gateway.url, { method: "POST", headers: { "content-type": "application/json", accept: "application/graphql-response+json" }, body });
  const text = await res.text();
  return { status: res.status, text, body: JSON.parse(text) as { data?: unknown; errors?: Array<{ message: string; extensions?: { code?: string } }> } };
}

async function stillServes(): Promise<void> {
  const r = await post(json({ query: "{ __typename }" }));
  assert.deepEqual(r.body, { data: { __typename: "Query" } });
}

describe("hostile documents over HTTP", () => {
  for (const c of cases) {
    it(`refuses ${c.name} with a 4xx and a code, and keeps serving`, { timeout: 30_000 }, async () => {
      const r = await post(c.body);
      assert.ok(r.status >= 400 && r.status < 500, `status ${r.status}: ${r.text.slice(0, 300)}`);
      const code = r.body.errors?.[0]?.extensions?.code;
      assert.ok(code !== undefined && c.codes.includes(code), `code ${code}: ${r.text.slice(0, 300)}`);
      assert.doesNotMatch(r.text, /call stack|    at |RangeError|TypeError/);
      await stillServes();
    });
  }

  it("answers __proto__ and constructor as aliases as ordinary response keys", async () => {
    const r = await post(json({ query: "{ __proto__: __typename constructor: __typename toString: __typename }" }));
    assert.equal(r.status, 200);
    assert.equal(r.text, '{"data":{"__proto__":"Query","constructor":"Query","toString":"Query"}}');
  });

  it("answers __proto__ and constructor as variable names", async () => {
    const r = await post(`{"query":"query($__proto__: Int, $constructor: Int) { a: orders(first: $__proto__) { totalCount } b: orders(first: $constructor) { totalCount } }","variables":{"__proto__":1,"constructor":2}}`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.errors?.[0]?.extensions?.code, "UNAUTHORIZED_FIELD_OR_TYPE", "anonymous: the orders are removed, nothing crashes");
    await stillServes();
  });
});

describe("hostile documents over SSE and graphql-ws", () => {
  const streamed = [
    { name: "a fragment fan-out", query: fanOut(40, (p) => `...${p} ...${p}`).replace("{ ...F40 }", "subscription { ...F40 }").replaceAll("on Query", "on Subscription").replace("{ __typename }", "{ __typename }"), codes: ["MAX_ROOT_FIELDS_EXCEEDED", "MAX_FIELDS_EXCEEDED"] },
    { name: "100,000 nested selections", query: `subscription { ${"a { ".repeat(100_000)}b${" }".repeat(100_000)} }`, codes: ["MAX_DEPTH_EXCEEDED", "PAYLOAD_TOO_LARGE"] },
    { name: "10,000 aliases", query: `subscription { ${repeat(10_000, (i) => `a${i}: __typename`)} }`, codes: ["MAX_TOKENS_EXCEEDED", "PAYLOAD_TOO_LARGE"] },
  ];
  for (const c of streamed) {
    it(`refuses ${c.name} over SSE with a 4xx and a code`, { timeout: 30_000 }, async () => {
      const sse = await sseSubscribe(system.gateway.url, c.query, {});
      sse.close();
      assert.ok(sse.status >= 400 && sse.status < 500, `status ${sse.status}`);
      assert.ok(c.codes.includes(sse.body?.errors?.[0]?.extensions?.code), JSON.stringify(sse.body).slice(0, 300));
      await stillServes();
    });
    it(`refuses ${c.name} over graphql-ws with an error message naming the code`, { timeout: 30_000 }, async () => {
      const ws = await WsTestClient.open(system.gateway.url);
      try {
        ws.subscribe("1", c.query);
        // waitFor rejects once the socket closes; the close itself is then the answer.
        const answer = await ws.waitFor((m) => m.id === "1" && m.type === "error", 20_000, "error")
          .catch(() => ws.closed.then((closed) => ({ type: "closed", payload: closed })));
        if (answer.type === "closed") {
          // A frame over maxMessageBytes closes the socket (1009): a refusal of its own.
          assert.equal((answer.payload as { code: number }).code, 1009);
        } else {
          assert.ok(c.codes.includes(answer.payload?.[0]?.extensions?.code), JSON.stringify(answer.payload).slice(0, 300));
        }
      } finally {
        await ws.close();
      }
      await stillServes();
    });
  }
});
