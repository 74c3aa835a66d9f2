import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { readFileSync } from "node:fs";
import { composeServices } from "@apollo/composition";
import { ApolloGateway } from "@apollo/gateway";
import { parse } from "graphql";
import { expandConnectors } from "../../../gateway/src/connectors/expand.ts";
import { sanitizeForApolloGateway } from "../../../gateway/src/private-apis/supergraph-for-apollo-gateway.ts";

const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** A connector subgraph composed on its own into a supergraph, as `npm run compose` would. */
function supergraphOf(body: string, source = `@source(name: "api", http: { baseURL: "http://127.0.0.1:1" })`): string {
  const sdl = `extend schema
    @link(url: "https://specs.apollo.dev/federation/v2.10", import: ["@key"])
    @link(url: "https://specs.apollo.dev/connect/v0.1", import: ["@source", "@connect"])
    ${source}
  ${body}`;
  const result = composeServices([{ name: "rest", url: "http://127.0.0.1:1", typeDefs: parse(sdl) }]);
  if (result.errors) throw new Error(result.errors.map((e) => e.message).join("; "));
  return result.supergraphSdl;
}

const field = (connect: string, args = "(id: ID!)") => supergraphOf(`type Query { thing${args}: Thing ${connect} } type Thing { id: ID! name: String }`);

describe("reading connectors from a supergraph", () => {
  it("reads a field connector and a batched entity connector with their key", () => {
    const sdl = supergraphOf(`
      type Query { thing(id: ID!): Thing @connect(source: "api", http: { GET: "/things/{$args.id}" }, selection: "id name") }
      type Thing @key(fields: "id") @connect(source: "api", http: { GET: "/things?ids={$batch.id}" }, batch: { maxSize: 5 }, selection: "$.items { id name }") { id: ID! name: String }`);
    const [graph] = expandConnectors(sdl).connectors;
    assert.equal(graph!.name, "rest");
    assert.equal(graph!.source.baseURL, "http://127.0.0.1:1");
    assert.deepEqual(
      graph!.connectors.map((c) => ({ id: c.id, kind: c.kind, method: c.method, ...(c.kind === "entity" ? { keyFields: c.keyFields, batch: c.batch } : {}) })),
      [
        { id: "Query.thing", kind: "field", method: "GET" },
        { id: "Thing", kind: "entity", method: "GET", keyFields: ["id"], batch: { maxSize: 5 } },
      ],
    );
  });

  const refused: Array<{ rule: string; sdl: () => string; message: RegExp }> = [
    {
      rule: "an unsupported @connect argument (isSuccess)",
      sdl: () => field(`@connect(source: "api", http: { GET: "/t/{$args.id}" }, selection: "id", isSuccess: "$(true)")`),
      message: /@connect on Query\.thing, isSuccess: the @connect argument `isSuccess` is not supported/,
    },
    {
      rule: "an unsupported http argument (queryParams)",
      sdl: () => field(`@connect(source: "api", http: { GET: "/t", queryParams: "id: $args.id" }, selection: "id")`),
      message: /@connect on Query\.thing, queryParams: the @connect\(http:\) argument `queryParams` is not supported/,
    },
    {
      rule: "a method in the selection",
      sdl: () => field(`@connect(source: "api", http: { GET: "/t/{$args.id}" }, selection: "id name: names->first")`),
      message: /@connect on Query\.thing, selection: the method `->first`/,
    },
    {
      rule: "an unknown variable in a header",
      sdl: () => field(`@connect(source: "api", http: { GET: "/t/{$args.id}", headers: [{ name: "x-key", value: "{$env.key}" }] }, selection: "id")`),
      message: /@connect on Query\.thing, http\.headers\[0\]: the variable `\$env`/,
    },
    {
      rule: "an argument the field does not have",
      sdl: () => field(`@connect(source: "api", http: { GET: "/t/{$args.nope}" }, selection: "id")`),
      message: /\$args\.nope is not an argument of thing/,
    },
    {
      rule: "$this on a root field",
      sdl: () => field(`@connect(source: "api", http: { GET: "/t/{$this.id}" }, selection: "id")`),
      message: /`\$this` is not available here/,
    },
    {
      rule: "a connector without the subgraph's source",
      sdl: () => field(`@connect(source: "other", http: { GET: "/t/{$args.id}" }, selection: "id")`),
      message: /names "other", but the subgraph's @source is "api"/,
    },
    {
      rule: "a connector on a Subscription field",
      sdl: () =>
        supergraphOf(
          `type Query { a: String @connect(source: "api", http: { GET: "/a" }, selection: "$") } type Subscription { ticks: Int @connect(source: "api", http: { GET: "/ticks" }, selection: "$") }`,
        ),
      message: /@connect on Subscription\.ticks: connectors on Subscription fields are not supported/,
    },
    {
      rule: "two sources in one subgraph",
      sdl: () =>
        supergraphOf(
          `type Query { thing(id: ID!): Thing @connect(source: "a", http: { GET: "/t/{$args.id}" }, selection: "id") } type Thing { id: ID! }`,
          `@source(name: "a", http: { baseURL: "http://127.0.0.1:1" }) @source(name: "b", http: { baseURL: "http://127.0.0.1:2" })`,
        ),
      message: /declares 2 @source directives/,
    },
  ];
  for (const c of refused) {
    it(`refuses ${c.rule} at load, naming the directive and the construct`, () => {
      assert.throws(() => expandConnectors(c.sdl()), (e: Error) => e.name === "ConnectorLoadError" && c.message.test(e.message));
    });
  }
});

describe("expanding connectors for @apollo/gateway", () => {
  const committed = readFileSync("schema/supergraph.graphql", "utf8");

  it("removes the connect link and every connect directive, keeping the connector subgraph as a subgraph", () => {
    const { sdl, connectors } = expandConnectors(committed);
    assert.deepEqual(connectors.map((c) => c.name), ["payment-provider"]);
    assert.doesNotMatch(sdl, /specs\.apollo\.dev\/connect/);
    assert.doesNotMatch(sdl, /name: "(connect|source)"/);
    assert.match(sdl, /PAYMENT_PROVIDER @join__graph\(name: "payment-provider"/);
  });

  it("makes the @source baseURL the connector subgraph's default instance", () => {
    const moved = committed.replace('@join__graph(name: "payment-provider", url: "http://127.0.0.1:4005")', '@join__graph(name: "payment-provider", url: "http://elsewhere:1")');
    assert.match(expandConnectors(moved).sdl, /@join__graph\(name: "payment-provider", url: "http:\/\/127\.0\.0\.1:4005"\)/);
  });

  it("is needed: @apollo/gateway refuses the connect link, and loads the expanded supergraph", async () => {
    const refusing = new ApolloGateway({ supergraphSdl: sanitizeForApolloGateway(committed), logger: silent });
    await assert.rejects(refusing.load(), /connect/i, "@apollo/gateway now accepts connectors: the expansion could pass the link through");
    const accepting = new ApolloGateway({ supergraphSdl: sanitizeForApolloGateway(expandConnectors(committed).sdl), logger: silent });
    try {
      await accepting.load();
    } finally {
      await accepting.stop();
    }
  });

  it("leaves a supergraph without connectors as it is", () => {
    const plain = supergraphOf("type Query { a: String }").replace(/@link\(url: "https:\/\/specs.apollo.dev\/connect[^)]*\)/, "");
    assert.equal(expandConnectors(plain.replaceAll("specs.apollo.dev/connect/", "x")).sdl, plain.replaceAll("specs.apollo.dev/connect/", "x"));
  });
});
