import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ConfigError, validateConfig } from "../../../gateway/src/config/load.ts";

describe("the subscriptions config section", () => {
  it("is on with documented defaults when absent", () => {
    const { subscriptions } = validateConfig({}, {});
    assert.deepEqual(subscriptions, {
      enabled: true,
      maxPerConnection: 16,
      maxPerConsumer: 100,
      idleTimeoutMs: 300_000,
      maxMessageBytes: 65_536,
      connectionInitTimeoutMs: 3_000,
      keepAliveMs: 15_000,
      maxQueuedEvents: 100,
      planCacheEntries: 200,
      reconnect: { initialDelayMs: 250, maxDelayMs: 5_000, maxAttempts: 30 },
    });
  });

  it("rejects an unknown key, naming its path", () => {
    assert.throws(() => validateConfig({ subscriptions: { maxPerConnexion: 3 } }, {}), (e: unknown) => e instanceof ConfigError && /subscriptions/.test(e.message));
  });

  it("rejects a limit that is not a positive integer", () => {
    assert.throws(() => validateConfig({ subscriptions: { maxPerConsumer: 0 } }, {}), /subscriptions\.maxPerConsumer/);
  });
});
