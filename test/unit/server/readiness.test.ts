import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createReadiness, type ReadinessOptions } from "../../../gateway/src/server/readiness.ts";

const base: ReadinessOptions = {
  isSupergraphLoaded: () => true,
  isListening: () => true,
  isDraining: () => false,
  subgraphNames: () => ["a", "b"],
  probe: async () => true,
  checkSubgraphs: true,
  requireSubgraphs: false,
  cacheMs: 0,
};

describe("readiness", () => {
  it("is not ready before the supergraph is loaded, and probes nothing then", async () => {
    let probes = 0;
    const ready = createReadiness({ ...base, isSupergraphLoaded: () => false, probe: async () => (probes++, true) });
    assert.deepEqual(await ready(), { ready: false, supergraph: "not-loaded", listener: "up", draining: false, subgraphs: {} });
    assert.equal(probes, 0);
  });

  it("stays ready while a subgraph is down, and names it in the detail", async () => {
    const ready = createReadiness({ ...base, probe: async (n) => n === "a" });
    assert.deepEqual(await ready(), { ready: true, supergraph: "loaded", listener: "up", draining: false, subgraphs: { a: "up", b: "down" } });
  });

  it("is not ready while draining or before the listener is up", async () => {
    let draining = false;
    let listening = false;
    const ready = createReadiness({ ...base, isListening: () => listening, isDraining: () => draining });
    assert.equal((await ready()).ready, false);
    listening = true;
    assert.equal((await ready()).ready, true);
    draining = true;
    const report = await ready();
    assert.equal(report.ready, false);
    assert.equal(report.draining, true);
  });

  it("with requireSubgraphs is ready only when every subgraph answers", async () => {
    const up = new Set(["a"]);
    const ready = createReadiness({ ...base, requireSubgraphs: true, probe: async (n) => up.has(n) });
    assert.equal((await ready()).ready, false);
    up.add("b");
    assert.equal((await ready()).ready, true);
  });

  it("reuses subgraph probes within the cache window so probes never hammer subgraphs, but reads draining every time", async () => {
    let t = 0;
    let probes = 0;
    let draining = false;
    const ready = createReadiness({ ...base, subgraphNames: () => ["a"], probe: async () => (probes++, true), isDraining: () => draining, cacheMs: 1000, now: () => t });
    await Promise.all([ready(), ready(), ready()]);
    t = 999;
    draining = true;
    assert.equal((await ready()).ready, false);
    assert.equal(probes, 1);
    t = 1000;
    await ready();
    assert.equal(probes, 2);
  });
});
