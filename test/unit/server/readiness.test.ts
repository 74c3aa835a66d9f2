import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createReadiness } from "../../../gateway/src/server/readiness.ts";

describe("readiness", () => {
  it("is not ready before the supergraph is loaded, and probes nothing then", async () => {
    let probes = 0;
    const ready = createReadiness({ isSupergraphLoaded: () => false, subgraphNames: () => ["a"], probe: async () => (probes++, true), checkSubgraphs: true, cacheMs: 0 });
    assert.deepEqual(await ready(), { ready: false, supergraph: "not-loaded", subgraphs: {} });
    assert.equal(probes, 0);
  });

  it("is ready only when every subgraph answers", async () => {
    const up = new Set(["a"]);
    const ready = createReadiness({ isSupergraphLoaded: () => true, subgraphNames: () => ["a", "b"], probe: async (n) => up.has(n), checkSubgraphs: true, cacheMs: 0 });
    assert.deepEqual(await ready(), { ready: false, supergraph: "loaded", subgraphs: { a: "up", b: "down" } });
    up.add("b");
    assert.equal((await ready()).ready, true);
  });

  it("reuses a result within the cache window so probes never hammer subgraphs", async () => {
    let t = 0;
    let probes = 0;
    const ready = createReadiness({ isSupergraphLoaded: () => true, subgraphNames: () => ["a"], probe: async () => (probes++, true), checkSubgraphs: true, cacheMs: 1000, now: () => t });
    await Promise.all([ready(), ready(), ready()]);
    t = 999;
    await ready();
    assert.equal(probes, 1);
    t = 1000;
    await ready();
    assert.equal(probes, 2);
  });
});
