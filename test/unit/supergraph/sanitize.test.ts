import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { sanitizeForApolloGateway } from "../../../gateway/src/supergraph/sanitize.ts";
import { subgraphsOf } from "../../../gateway/src/supergraph/subgraph-list.ts";

const supergraph = readFileSync("schema/supergraph.graphql", "utf8");

describe("supergraph sanitizing for @apollo/gateway", () => {
  it("drops the SECURITY purpose from every link and keeps everything else", () => {
    assert.match(supergraph, /for: SECURITY/, "the composed supergraph links security features");
    const sanitized = sanitizeForApolloGateway(supergraph);
    assert.doesNotMatch(sanitized, /for: SECURITY/);
    assert.match(sanitized, /@link\(url: "https:\/\/specs.apollo.dev\/authenticated\/v0.1"\)/);
    assert.match(sanitized, /@link\(url: "https:\/\/specs.apollo.dev\/join\/v0.5", for: EXECUTION\)/);
    assert.equal(sanitized.replace(/\s+/g, "").length, supergraph.replace(/, for: SECURITY/g, "").replace(/\s+/g, "").length);
  });
});

describe("subgraph list", () => {
  it("reads every subgraph's name and routing URL from join__Graph", () => {
    assert.deepEqual(
      subgraphsOf(supergraph).sort((a, b) => a.name.localeCompare(b.name)),
      [
        { name: "auth", url: "http://127.0.0.1:4001/graphql" },
        { name: "delivery", url: "http://127.0.0.1:4003/graphql" },
        { name: "orders", url: "http://127.0.0.1:4002/graphql" },
        { name: "payments", url: "http://127.0.0.1:4004/graphql" },
      ],
    );
  });
});
