/**
 * Our executor on subgraph answers other requests hold (as the dedup layer hands one answer to
 * every request sharing a fetch): each answer is one deep-frozen body, marked shared, handed to
 * every run that sends the same fetch, so any write into it throws and shows as an error or a
 * different answer. The answers must equal those built from private copies, for Apollo's plans
 * and for Hive's (its batched entity fetches), with rewrites (@interfaceObject), repeated
 * entities, aliases and null bubbling among them, and stay so on a second run over the same bodies.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { composeServices } from "@apollo/composition";
import { parse } from "graphql";
import { guildSdl, guildSubgraphs } from "../../../bench/subgraphs/guild.ts";
import { suites } from "../../../bench/src/suites.ts";
import { differentialSystem, systemFromSupergraph, type DifferentialSystem } from "../../helpers/differential.ts";
import { edgeSubgraphs } from "./edge-subgraphs.ts";

const composed = (sdl: Record<string, string>) => composeServices(Object.entries(sdl).map(([name, t]) => ({ name, url: "http://127.0.0.1:9", typeDefs: parse(t) }))).supergraphSdl!;
const deep = suites.flatMap((s) => s.queries).find((q) => q.name === "deep")!.query;

describe("the executor on shared subgraph answers", () => {
  const guild = systemFromSupergraph(composed(guildSdl), guildSubgraphs());
  const edge = differentialSystem(edgeSubgraphs());
  const cases: Array<[string, DifferentialSystem, string]> = [
    ["the deep query", guild, deep],
    ["entities across four subgraphs with @requires and @provides", edge, `{ products(ids: ["p1", "p2", "p5"]) { id name color price shippingCost reviews { id body stars author { id name } } rating vendor { id name country } } }`],
    ["an @interfaceObject interface (output rewrites)", edge, `{ media { __typename id title popularity ... on Book { pages } ... on Film { minutes } } }`],
    ["repeated entities in one fetch", edge, `{ products(ids: ["p1", "p1", "p2", "p1"]) { id shippingCost reviews { stars author { name } } } }`],
    ["a null inside a list of non-null elements", edge, `{ products(ids: ["p1", "p5"]) { id reviews { id body } } }`],
    ["a union across subgraphs", edge, `{ search(term: "t") { __typename ... on Product { id name } ... on Article { id title } } }`],
  ];
  for (const planner of ["apollo", "hive-rust"] as const) {
    for (const [rule, system, query] of cases) {
      it(`answers as from private copies, twice over the same frozen bodies, on ${planner}'s plans: ${rule}`, async () => {
        const { ours: expected } = await system.runOurs(query, { planner });
        for (let run = 0; run < 2; run++) {
          const { ours } = await system.runOurs(query, { planner, sharedAnswers: true });
          assert.equal(ours, expected, `run ${run + 1}`);
        }
      });
    }
  }
});
