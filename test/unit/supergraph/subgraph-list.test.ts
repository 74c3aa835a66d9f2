/**
 * The subgraph list comes from the supergraph's join__Graph enum.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { subgraphsOf } from "../../../gateway/src/supergraph/subgraph-list.ts";

const supergraph = readFileSync("schema/supergraph.graphql", "utf8");

describe("subgraph list", () => {
  it("reads every subgraph's name and routing URL from join__Graph", () => {
    assert.deepEqual(
      subgraphsOf(supergraph).sort((a, b) => a.name.localeCompare(b.name)),
      [
        { name: "auth", url: "http://127.0.0.1:4001/graphql" },
        { name: "delivery", url: "http://127.0.0.1:4003/graphql" },
        { name: "orders", url: "http://127.0.0.1:4002/graphql" },
        { name: "payment-provider", url: "http://127.0.0.1:4005" },
        { name: "payments", url: "http://127.0.0.1:4004/graphql" },
        { name: "routing", url: "grpc://127.0.0.1:4006" },
      ],
    );
  });
});
