import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { validateConfig } from "../../../gateway/src/config/load.ts";
import { SubgraphRegistry } from "../../../gateway/src/subgraph/registry.ts";
import pino from "pino";

function resolved(config: unknown, name = "orders", routingUrl = "http://127.0.0.1:4002/graphql") {
  return new SubgraphRegistry({ config: validateConfig(config, {}), logger: pino({ level: "silent" }) }).resolve(name, routingUrl);
}

describe("per-subgraph settings override subgraphs.all key by key", () => {
  it("applies the documented balancing defaults", () => {
    const { settings, instances } = resolved({});
    assert.equal(settings.balancer, "round-robin");
    assert.equal(settings.hashKey, "consumer");
    assert.deepEqual(settings.healthCheck, { enabled: true, intervalMs: 5_000, timeoutMs: 1_000, query: "{ __typename }", unhealthyThreshold: 2 });
    assert.deepEqual(settings.outlierDetection, { enabled: true, consecutiveFailures: 5, baseEjectionMs: 10_000, growth: "linear", maxEjectionMs: 300_000, maxEjectedPercent: 50 });
    assert.deepEqual(settings.retry, { enabled: true, budgetRatio: 0.1, minPerSecond: 5, windowMs: 10_000 });
    assert.deepEqual(instances, [{ url: "http://127.0.0.1:4002/graphql", weight: 1 }]);
  });

  it("keeps the all block's values for keys a subgraph does not set, at any depth", () => {
    const { settings } = resolved({
      subgraphs: { all: { timeoutMs: 900, healthCheck: { intervalMs: 250, timeoutMs: 100 } }, orders: { connections: 2, healthCheck: { timeoutMs: 50 } } },
    });
    assert.equal(settings.timeoutMs, 900);
    assert.equal(settings.connections, 2);
    assert.equal(settings.healthCheck.intervalMs, 250);
    assert.equal(settings.healthCheck.timeoutMs, 50);
    assert.equal(settings.healthCheck.query, "{ __typename }");
  });

  it("lets a subgraph choose its own algorithm and hash key", () => {
    const config = { subgraphs: { all: { balancer: "least-outstanding" }, orders: { balancer: "consistent-hash", hashKey: { header: "X-Tenant" } } } };
    assert.equal(resolved(config).settings.balancer, "consistent-hash");
    assert.deepEqual(resolved(config).settings.hashKey, { header: "x-tenant" });
    assert.equal(resolved(config, "auth").settings.balancer, "least-outstanding");
  });

  it("lists a subgraph's instances with weight 1 by default, or one url in place of the routing url", () => {
    const config = { subgraphs: { orders: { instances: [{ url: "http://a:1/graphql" }, { url: "http://b:2/graphql", weight: 2 }] }, auth: { url: "http://c:3/graphql" } } };
    assert.deepEqual(resolved(config).instances, [{ url: "http://a:1/graphql", weight: 1 }, { url: "http://b:2/graphql", weight: 2 }]);
    assert.deepEqual(resolved(config, "auth").instances, [{ url: "http://c:3/graphql", weight: 1 }]);
  });

  const invalid = [
    { name: "an unknown algorithm", config: { subgraphs: { all: { balancer: "random" } } }, message: /subgraphs\.all\.balancer/ },
    { name: "an unknown key inside a section", config: { subgraphs: { orders: { retry: { budget: 0.1 } } } }, message: /subgraphs\.orders\.retry\.budget: unknown key/ },
    { name: "instances in the all block", config: { subgraphs: { all: { instances: [] } } }, message: /subgraphs\.all\.instances: unknown key/ },
    { name: "an empty instance list", config: { subgraphs: { orders: { instances: [] } } }, message: /subgraphs\.orders\.instances/ },
    { name: "a weight of zero", config: { subgraphs: { orders: { instances: [{ url: "http://a/graphql", weight: 0 }] } } }, message: /subgraphs\.orders\.instances\.0\.weight/ },
    { name: "both url and instances", config: { subgraphs: { orders: { url: "http://a/graphql", instances: [{ url: "http://b/graphql" }] } } }, message: /either url or instances/ },
    { name: "a retry budget ratio above 1", config: { subgraphs: { all: { retry: { budgetRatio: 2 } } } }, message: /subgraphs\.all\.retry\.budgetRatio/ },
  ];
  for (const c of invalid) {
    it(`rejects ${c.name}, naming the key`, () => {
      assert.throws(() => validateConfig(c.config, {}), c.message);
    });
  }
});
