/**
 * Several hundred generated malformed requests: every one gets a well-formed 4xx GraphQL error
 * with a code, none a 5xx, a hang or an HTML page, and the gateway answers a normal query after.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startTestSystem, type TestSystem } from "../helpers/system.ts";
import { gql } from "../helpers/subgraphs.ts";

let system: TestSystem;
before(async () => {
  system = await startTestSystem({ server: { bodyLimitBytes: 256 * 1024 }, subgraphs: { all: { healthCheck: { enabled: false } } } });
});
after(() => system.close());

/** mulberry32: a small seeded generator, so a failure replays exactly. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Case = { name: string; body: string | Buffer; contentType?: string };

function generate(count: number, seed: number): Case[] {
  const rnd = random(seed);
  const int = (n: number) => Math.floor(rnd() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const valid = JSON.stringify({ query: "query Q($id: ID!) { order(id: $id) { id totalCents } }", variables: { id: "o1" } });
  const generators: Array<() => Case> = [
    () => ({ name: "random bytes", body: Buffer.from(Array.from({ length: 1 + int(400) }, () => int(256))) }),
    () => ({ name: "truncated JSON", body: valid.slice(0, 1 + int(valid.length - 2)) }),
    () => ({ name: "deeply nested JSON", body: "[".repeat(5_000 + int(50_000)) }),
    () => ({ name: "deeply nested query", body: JSON.stringify({ query: `{ ${"me { ".repeat(100 + int(400))}id${" }".repeat(100)} }` }) }),
    () => ({ name: "huge string", body: JSON.stringify({ query: "x".repeat(10_000 + int(200_000)) }) }),
    () => ({ name: "control characters", body: JSON.stringify({ query: `{ me\u0000\u0007\u001b { id } }`.replace("me", String.fromCharCode(int(32)) + "me") }) }),
    () => ({ name: "query of the wrong type", body: JSON.stringify({ query: pick([42, true, null, [], { a: 1 }]) }) }),
    () => ({ name: "variables of the wrong type", body: JSON.stringify({ query: "query($id: ID!) { order(id: $id) { id } }", variables: pick([5, "x", [1], { id: { nested: true } }, { id: null }, {}]) }) }),
    () => ({ name: "an integer out of range", body: JSON.stringify({ query: "query($n: Int) { orders(first: $n) { totalCount } }", variables: { n: pick([2 ** 31, 2 ** 53, -(2 ** 53), 1e300, 0.5]) } }) }),
    () => ({ name: "operationName of the wrong type", body: JSON.stringify({ query: "{ __typename }", operationName: pick([1, {}, ["a"]]) }) }),
    () => ({ name: "unknown field", body: JSON.stringify({ query: `{ field${int(1e6)} }` }) }),
    () => ({ name: "syntax error", body: JSON.stringify({ query: pick(["{", "}", "query (", "{ me(id: ) }", "fragment on on on", "{ ... }"]) }) }),
    () => ({ name: "a JSON scalar", body: pick(["1", '"q"', "true", "null"]) }),
    () => ({ name: "an unsupported content type", body: valid, contentType: pick(["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml"]) }),
    () => ({ name: "an empty batch", body: "[]" }),
    () => ({ name: "extensions of the wrong type", body: JSON.stringify({ query: "{ __typename }", extensions: pick([1, "x", { persistedQuery: { version: 2, sha256Hash: "x" } }]) }) }),
  ];
  return Array.from({ length: count }, (_, i) => ({ ...generators[i % generators.length]!() }));
}

describe("malformed requests", () => {
  it("each get a well-formed 4xx GraphQL error and the gateway stays healthy", async () => {
    const cases = generate(400, 20261128);
    const failures: string[] = [];
    for (let i = 0; i < cases.length; i += 8) {
      await Promise.all(
        cases.slice(i, i + 8).map(async (c) => {
          const res = await fetch(system.gateway.url, {
            method: "POST",
            headers: { "content-type": c.contentType ?? "application/json", accept: "application/graphql-response+json" },
            body: c.body,
            signal: AbortSignal.timeout(10_000),
          });
          const text = await res.text();
          let body: { errors?: Array<{ message?: unknown; extensions?: { code?: unknown } }> } | undefined;
          try {
            body = JSON.parse(text);
          } catch {
            body = undefined;
          }
          const wellFormed = body?.errors?.length && body.errors.every((e) => typeof e.message === "string" && typeof e.extensions?.code === "string");
          if (res.status < 400 || res.status >= 500 || !wellFormed || /\n\s+at /.test(text)) {
            failures.push(`${c.name}: ${res.status} ${text.slice(0, 160)}`);
          }
        }),
      );
    }
    assert.deepEqual(failures, []);
    const health = await fetch(system.gateway.url.replace("/graphql", "/healthz"));
    assert.equal(health.status, 200);
    const normal = await gql(system.gateway.url, "{ __typename me { id } }");
    assert.deepEqual(normal.data, { __typename: "Query", me: null });
  });
});
