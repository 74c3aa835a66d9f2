/**
 * `@defer` in the executor: the primary part and the deferred parts, put back together, are the
 * answer `@apollo/gateway` gives to the same query without @defer; the first payload holds only
 * what is not deferred; nested fragments come after their parent; `@defer(if: false)` is one
 * answer; a deferred part's failed fetch reports its errors with that part.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { composeServices } from "@apollo/composition";
import { execute, Kind, parse, type OperationDefinitionNode } from "graphql";
import { guildSdl, guildSubgraphs } from "../../../bench/subgraphs/guild.ts";
import { createNativeExecute } from "../../../gateway/src/executor/native-execute.ts";
import type { SubsequentPayload } from "../../../gateway/src/executor/run-deferred.ts";
import { canonicalJson } from "../../../gateway/src/subgraph/canonical-json.ts";
import { anonymousContext, differentialSystem, systemFromSupergraph, type DifferentialSystem, type InProcessSubgraph } from "../../helpers/differential.ts";
import { edgeSubgraphs } from "./edge-subgraphs.ts";

const context = anonymousContext("defer");

function deferring(system: DifferentialSystem, subgraphs: readonly InProcessSubgraph[]) {
  const sources = Object.fromEntries(
    subgraphs.map((s) => [
      s.name,
      { process: async ({ request }: { request: { query?: string; variables?: Record<string, unknown> } }) => JSON.parse(JSON.stringify(await execute({ schema: s.schema, document: parse(request.query!), variableValues: request.variables ?? {} }))) },
    ]),
  );
  const native = createNativeExecute({ service: (_s, name) => sources[name] as never, fallback: () => Promise.reject(new Error("fallback")), tracer: undefined });
  return async (query: string, variables: Record<string, unknown> = {}) => {
    const document = parse(query);
    const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
    const result = await native({ snapshot: system.snapshot, document, operation, operationName: undefined, queryHash: query, source: query, variables, context, incremental: true });
    const rest: SubsequentPayload[] = [];
    if (result.subsequent) for await (const payload of result.subsequent) rest.push(payload);
    return { first: result, rest };
  };
}

function assemble(data: unknown, rest: SubsequentPayload[]): unknown {
  const whole = structuredClone(data) as Record<string, any>;
  for (const payload of rest) {
    for (const item of payload.incremental ?? []) {
      let at: any = whole;
      for (const key of item.path) at = at[key];
      Object.assign(at, item.data);
    }
  }
  return whole;
}

const composed = (sdl: Record<string, string>) => composeServices(Object.entries(sdl).map(([name, t]) => ({ name, url: "http://127.0.0.1:9", typeDefs: parse(t) }))).supergraphSdl!;

describe("@defer in the executor", () => {
  const guildParts = guildSubgraphs();
  const guild = systemFromSupergraph(composed(guildSdl), guildParts);
  const runGuild = deferring(guild, guildParts);
  const edgeParts = edgeSubgraphs();
  const edge = differentialSystem(edgeParts);
  const runEdge = deferring(edge, edgeParts);

  const cases: Array<[string, DifferentialSystem, typeof runGuild, string, Record<string, unknown>?]> = [
    ["a deferred fragment across entity fetches", guild, runGuild, `{ topProducts { name ... @defer(label: "ship") { shippingEstimate reviews { body } } } }`],
    ["nested deferred fragments", guild, runGuild, `{ topProducts { name ... @defer(label: "outer") { reviews { body author { ... @defer(label: "inner") { name username } } } } } }`],
    ["a deferred named fragment beside plain fields", guild, runGuild, `query { users { id ...Names @defer } } fragment Names on User { name username }`],
    [
      "a deferred fragment below aliased fields inside nested fragments",
      guild,
      runGuild,
      `query { top: topProducts { ... on Product { ...Inner } } } fragment Inner on Product { ... on Product { r: reviews { ... @defer(label: "who") { by: author { name } } } } }`,
    ],
    ["a deferred fragment on a union member", edge, runEdge, `{ search(term: "t") { __typename ... on Product @defer { id rating } ... on Article { id title } } }`],
    ["@defer(if:) with a variable set to true", guild, runGuild, `query($d: Boolean!) { topProducts { upc ... @defer(if: $d) { name } } }`, { d: true }],
    ["@defer(if:) with a variable set to false", guild, runGuild, `query($d: Boolean!) { topProducts { upc ... @defer(if: $d) { name } } }`, { d: false }],
  ];
  for (const [rule, system, run, query, variables] of cases) {
    it(`assembles to @apollo/gateway's whole answer: ${rule}`, async () => {
      const { first, rest } = await run(query, variables);
      const whole = await system.run(query, variables ? { variables } : {});
      const apolloData = whole.apollo.split("\n")[0]!;
      assert.equal(canonicalJson(assemble(first.data, rest)), canonicalJson(JSON.parse(apolloData)));
      if (rest.length > 0) assert.equal(rest.at(-1)!.hasNext, false);
    });
  }

  it("keeps deferred fields out of the first payload and sends the inner fragment after the outer one", async () => {
    const { first, rest } = await runGuild(`{ topProducts { name ... @defer(label: "outer") { reviews { body author { ... @defer(label: "inner") { name } } } } } }`);
    for (const product of (first.data as any).topProducts) assert.deepEqual(Object.keys(product), ["name"]);
    const labels = rest.flatMap((p) => (p.incremental ?? []).map((i) => i.label));
    assert.ok(labels.indexOf("outer") < labels.indexOf("inner"));
    assert.deepEqual(
      rest.flatMap((p) => p.incremental ?? []).find((i) => i.label === "inner")!.path.slice(0, 4),
      ["topProducts", 0, "reviews", 0],
    );
  });

  it("answers @defer(if: false) in one payload", async () => {
    const { first, rest } = await runGuild(`query($d: Boolean!) { topProducts { upc ... @defer(if: $d) { name } } }`, { d: false });
    assert.equal(first.subsequent, undefined);
    assert.equal(rest.length, 0);
    assert.ok((first.data as any).topProducts.every((p: any) => typeof p.name === "string"));
  });

  it("reports a deferred part's fetch errors with that part, not in the first payload", async () => {
    const { first, rest } = await runEdge(`{ products(ids: ["p1", "p2"]) { id ... @defer(label: "rating") { rating } } }`);
    assert.equal(first.errors, undefined);
    const items = rest.flatMap((p) => p.incremental ?? []);
    const withErrors = items.filter((i) => i.errors && i.errors.length > 0);
    assert.equal(withErrors.length, 1);
    assert.equal((withErrors[0]!.errors![0] as Error).message, "rating unavailable");
    assert.deepEqual((withErrors[0]!.errors![0] as { path?: unknown }).path, ["products", 1, "rating"]);
  });
});
