/**
 * Contract of a private-API workaround: @apollo/gateway 2.14 refuses a supergraph that links a
 * feature `for: SECURITY`, so the copy it gets drops that purpose. The second test says when the
 * workaround can go: once @apollo/gateway accepts the composed supergraph as it is.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { sanitizeForApolloGateway } from "../../../gateway/src/private-apis/supergraph-for-apollo-gateway.ts";
import { ApolloGateway } from "@apollo/gateway";
import { expandConnectors } from "../../../gateway/src/connectors/expand.ts";

const supergraph = readFileSync("schema/supergraph.graphql", "utf8");
const silent = { debug() {}, info() {}, warn() {}, error() {} };

describe("supergraph sanitizing for @apollo/gateway", () => {
  it("drops the SECURITY purpose from every link and keeps everything else", () => {
    assert.match(supergraph, /for: SECURITY/, "the composed supergraph links security features");
    const sanitized = sanitizeForApolloGateway(supergraph);
    assert.doesNotMatch(sanitized, /for: SECURITY/);
    assert.match(sanitized, /@link\(url: "https:\/\/specs.apollo.dev\/authenticated\/v0.1"\)/);
    assert.match(sanitized, /@link\(url: "https:\/\/specs.apollo.dev\/join\/v0.5", for: EXECUTION\)/);
    assert.equal(sanitized.replace(/\s+/g, "").length, supergraph.replace(/, for: SECURITY/g, "").replace(/\s+/g, "").length);
  });

  it("is still needed, and enough: @apollo/gateway refuses the composed supergraph as it is and loads the sanitized copy", async () => {
    const refusing = new ApolloGateway({ supergraphSdl: supergraph, logger: silent });
    await assert.rejects(refusing.load(), /SECURITY|unsupported|not supported/i, "@apollo/gateway now accepts for: SECURITY links: drop supergraph-for-apollo-gateway.ts");
    // With connectors expanded first (connectors/expand.ts: @apollo/gateway refuses the connect link too).
    const accepting = new ApolloGateway({ supergraphSdl: sanitizeForApolloGateway(expandConnectors(supergraph).sdl), logger: silent });
    try {
      await accepting.load();
    } finally {
      await accepting.stop();
    }
  });
});
