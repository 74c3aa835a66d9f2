/**
 * Requests that share in-flight subgraph fetches each get exactly their own answer: the Guild
 * benchmark's subgraphs over real HTTP, a real gateway with whole-operation sharing off (fetch
 * dedup on, the default), and three different operations sent concurrently, some of whose
 * fetches are identical. A waiter handed another key's answer, an answer cut short by a fetch
 * settling for the wrong waiter, or an entity list gone stale under concurrent merges would show
 * here. Every request sharing a fetch holds the one parsed answer and copies on write; that no
 * request writes into it is held by test/unit/executor/shared-objects.test.ts (frozen answers),
 * since here, with every request's subgraph data equal, such a write might not show.
 */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { composeServices } from "@apollo/composition";
import { parse } from "graphql";
import { guildSdl, guildSubgraphs } from "../../bench/subgraphs/guild.ts";
import { serveSubgraph, type RunningSubgraph } from "../../bench/subgraphs/server.ts";
import { suites } from "../../bench/src/suites.ts";
import { postGraphQL, startTestGateway, type TestGateway } from "../helpers/gateway.ts";

const deep = suites.flatMap((s) => s.queries).find((q) => q.name === "deep")!.query;
const operations = {
  deep,
  // The same hops, fewer fields and other aliases: some of its fetches are the deep query's, its answer's shape is not.
  lean: "{ users { id posts: reviews { id item: product { upc title: name reviews { id writer: author { id name } } } } } }",
  // Scalars only on the products: fetches nothing merges into, next to the others.
  prices: "{ users { reviews { product { upc name price weight inStock } } } }",
};

describe("requests sharing in-flight subgraph fetches", () => {
  let subgraphs: RunningSubgraph[];
  let gateway: TestGateway;
  const ask = async (query: string) => (await postGraphQL(gateway.url, query)).body;

  before(async () => {
    subgraphs = await Promise.all(guildSubgraphs().map((s) => serveSubgraph(s)));
    const url = (name: string) => subgraphs.find((s) => s.name === name)!.url;
    const composed = composeServices(Object.entries(guildSdl).map(([name, sdl]) => ({ name, url: url(name), typeDefs: parse(sdl) })));
    assert.ok(composed.supergraphSdl, composed.errors?.map((e) => e.message).join("; "));
    const file = join(mkdtempSync(join(tmpdir(), "shared-fetches-")), "supergraph.graphql");
    writeFileSync(file, composed.supergraphSdl);
    gateway = await startTestGateway({
      supergraph: { path: file },
      operations: { shareInFlight: false },
      subgraphs: { all: { healthCheck: { enabled: false } } },
      readiness: { checkSubgraphs: false },
    });
  });
  after(async () => {
    await gateway.stop();
    await Promise.all(subgraphs.map((s) => s.close()));
  });

  it("answers each of three operations, sent 24 at a time, exactly as when it is sent alone", async () => {
    const alone: Record<string, string> = {};
    const fetchesAlone: Record<string, number> = {};
    for (const [name, query] of Object.entries(operations)) {
      const before = subgraphs.reduce((n, s) => n + s.count(), 0);
      const body = await ask(query);
      fetchesAlone[name] = subgraphs.reduce((n, s) => n + s.count(), 0) - before;
      assert.equal(body.errors, undefined, JSON.stringify(body.errors));
      alone[name] = JSON.stringify(body);
    }
    const names = Object.keys(operations) as Array<keyof typeof operations>;
    let expectedFetches = 0;
    let sent = 0;
    for (let round = 0; round < 3; round++) {
      const batch = Array.from({ length: 24 }, (_, i) => names[(i + round) % names.length]!);
      expectedFetches += batch.reduce((n, name) => n + fetchesAlone[name]!, 0);
      const before = subgraphs.reduce((n, s) => n + s.count(), 0);
      const answers = await Promise.all(batch.map((name) => ask(operations[name])));
      sent += subgraphs.reduce((n, s) => n + s.count(), 0) - before;
      answers.forEach((answer, i) => assert.equal(JSON.stringify(answer), alone[batch[i]!], `round ${round}, request ${i} (${batch[i]})`));
    }
    assert.ok(sent < expectedFetches, `fetches were shared (${sent} sent for ${expectedFetches} planned)`);
  });
});
