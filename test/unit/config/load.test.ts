import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, loadConfigFile, validateConfig } from "../../../gateway/src/config/load.ts";

describe("gateway configuration", () => {
  it("accepts an empty config and applies every default", () => {
    const config = validateConfig({}, {});
    assert.equal(config.server.port, 4000);
    assert.equal(config.server.host, "127.0.0.1");
    assert.equal(config.supergraph.path, "schema/supergraph.graphql");
    assert.equal(config.subgraphs.all.timeoutMs, 5000);
    assert.ok(config.subgraphs.all.timeoutMs < 10_000, "subgraph timeout default stays well under 10 s");
    assert.equal(config.server.heapGrowthPercent, 100);
    assert.equal(config.operations.shareInFlight, true);
  });

  it("rejects an unknown key, naming its path and the nearest valid key", () => {
    assert.throws(() => validateConfig({ server: { prot: 4000 } }, {}), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, /server\.prot: unknown key; did you mean `server\.port`\?/);
      return true;
    });
  });

  it("suggests for typos at any depth, inside per-subgraph entries, and for a section written in the wrong place", () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ limits: { tiesr: {} } }, /limits\.tiesr: unknown key; did you mean `limits\.tiers`\?/],
      [{ tiers: {} }, /- tiers: unknown key; did you mean `limits\.tiers`\?/],
      [{ server: { cors: { origin: ["*"] } } }, /server\.cors\.origin: .*`server\.cors\.origins`/],
      [{ subgraphs: { orders: { timeout: 5 } } }, /subgraphs\.orders\.timeout: .*`subgraphs\.orders\.timeoutMs`/],
      [{ subgraphs: { all: { healthcheck: {} } } }, /subgraphs\.all\.healthcheck: .*`subgraphs\.all\.healthCheck`/],
    ];
    for (const [config, expected] of cases) assert.throws(() => validateConfig(config, {}), expected, JSON.stringify(config));
  });

  it("suggests nothing when no key is near", () => {
    assert.throws(() => validateConfig({ zzzqqq: 1 }, {}), (e: Error) => /- zzzqqq: unknown key$/m.test(e.message));
  });

  it("refuses a trusted proxy that is neither an address nor a CIDR block, naming the entry's path", () => {
    assert.throws(() => validateConfig({ server: { trustedProxies: ["10.0.0.0/8", "lb.internal"] } }, {}), /server\.trustedProxies\.1: expected an IP address or a CIDR block/);
  });

  it("shares APQ registrations through REDIS_URL, under their own prefix, unless registration is closed", () => {
    const persisted = validateConfig({}, { REDIS_URL: "redis://127.0.0.1:6390" }).operations.persisted;
    assert.equal(persisted.redis?.url, "redis://127.0.0.1:6390");
    assert.equal(persisted.redis?.keyPrefix, "gateway:apq:");
    assert.equal(persisted.redis?.ttlSeconds, 86_400);
    assert.equal(validateConfig({ operations: { persisted: { apq: false } } }, { REDIS_URL: "redis://x" }).operations.persisted.redis, undefined);
    assert.equal(validateConfig({}, {}).operations.persisted.redis, undefined);
  });

  it("puts recorded usage in Redis through REDIS_URL when usage is recorded, and records nothing by itself", () => {
    const usage = validateConfig({ usage: {} }, { REDIS_URL: "redis://127.0.0.1:6390" }).usage;
    assert.equal(usage?.redis?.url, "redis://127.0.0.1:6390");
    assert.equal(usage?.redis?.keyPrefix, "gateway:usage:");
    assert.equal(usage?.retentionDays, 30);
    assert.equal(validateConfig({}, { REDIS_URL: "redis://x" }).usage, undefined);
    assert.equal(validateConfig({ usage: {} }, {}).usage?.redis, undefined);
  });

  it("guards supergraph reloads under enforce for an hour by default, and refuses an unknown mode", () => {
    assert.deepEqual(validateConfig({}, {}).supergraph.reloadGuard, { mode: "enforce", windowMinutes: 60 });
    assert.throws(() => validateConfig({ supergraph: { reloadGuard: { mode: "strict" } } }, {}), /supergraph\.reloadGuard\.mode/);
  });

  it("refuses a REDIS_URL that is not a redis URL, limits or not", () => {
    assert.throws(() => validateConfig({}, { REDIS_URL: "http://cache:6379" }), (e: unknown) => e instanceof ConfigError && /REDIS_URL must be a redis:\/\//.test(e.message));
  });

  it("names the bad key and the expected shape for a wrong type", () => {
    assert.throws(() => validateConfig({ subgraphs: { orders: { timeoutMs: "fast" } } }, {}), /subgraphs\.orders\.timeoutMs: .*expected number/);
  });

  it("lets PORT and HOST from the environment override the file", () => {
    const config = validateConfig({ server: { port: 1 } }, { PORT: "4321", HOST: "0.0.0.0" });
    assert.equal(config.server.port, 4321);
    assert.equal(config.server.host, "0.0.0.0");
  });

  it("refuses a PORT that is not a port number with a clear message", () => {
    assert.throws(() => validateConfig({}, { PORT: "eighty" }), /PORT must be an integer 0-65535, got "eighty"/);
  });

  it("returns a frozen config so no module can change it at run time", () => {
    const config = validateConfig({}, {});
    assert.ok(Object.isFrozen(config));
    assert.ok(Object.isFrozen(config.server));
  });

  it("loads YAML and JSON files and prefixes errors with the file name", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gw-config-"));
    writeFileSync(join(dir, "ok.yaml"), "server:\n  port: 4100\n");
    writeFileSync(join(dir, "bad.json"), JSON.stringify({ logging: { level: "loud" } }));
    assert.equal((await loadConfigFile(join(dir, "ok.yaml"), {})).server.port, 4100);
    await assert.rejects(loadConfigFile(join(dir, "bad.json"), {}), /bad\.json: invalid gateway configuration:\n.*logging\.level/);
  });
});
