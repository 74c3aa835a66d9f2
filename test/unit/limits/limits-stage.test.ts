/**
 * The limits stage's admission: when several limits fail at once, the refusal reports the wait
 * of the slowest (every limit must pass before the request can), names them all, and a request
 * retried after that wait is admitted.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { limitsConfigSchema } from "../../../gateway/src/config/limits.ts";
import { createLimitsStage } from "../../../gateway/src/limits/limits-stage.ts";
import { fullCapacity } from "../../../gateway/src/limits/load-factor.ts";
import { MemoryStore } from "../../../gateway/src/limits/memory-store.ts";
import { noLimitsMetrics } from "../../../gateway/src/limits/metrics.ts";
import { isRefusal } from "../../../gateway/src/pipeline/refusal.ts";
import { createLogger } from "../../../gateway/src/logging/logger.ts";
import { anonymous, type RequestContext } from "../../../gateway/src/server/context.ts";

const logger = createLogger({ level: "silent" });

function context(): RequestContext {
  return { requestId: "r", logger, headers: {}, clientAddress: "127.0.0.1", authorization: undefined, signal: new AbortController().signal, startedAt: 0, principal: anonymous, telemetry: undefined };
}

describe("the limits stage", () => {
  it("reports the longest wait of the limits that failed, names each, and admits once it has passed", async () => {
    const clock = { t: 0 };
    // Anonymous: 1 per second. Global: 1 per 4 seconds. Both are spent by the first request.
    const config = limitsConfigSchema.parse({
      tiers: { anonymous: { capacity: 1, refillPerSecond: 1 }, customer: { capacity: 1, refillPerSecond: 1 }, partner: { capacity: 1, refillPerSecond: 1 }, admin: { capacity: 1, refillPerSecond: 1 } },
      global: { costPerSecond: 0.25, burstSeconds: 4 },
    });
    const stage = createLimitsStage({ config, store: new MemoryStore({ now: () => clock.t }), load: fullCapacity, metrics: noLimitsMetrics, logger });
    assert.ok(!isRefusal(await stage.admit(context())), "the first request is admitted");
    const refused = await stage.admit(context());
    assert.ok(isRefusal(refused));
    assert.equal(refused.errors[0]!.extensions?.code, "RATE_LIMITED");
    assert.deepEqual([...(refused.errors[0]!.extensions?.limits as string[])].sort(), ["consumer", "global"].sort());
    assert.equal(refused.headers["retry-after"], "4", "the global cap's wait, not the consumer's 1 s");
    clock.t += 1_000;
    const stillGlobal = await stage.admit(context());
    assert.ok(isRefusal(stillGlobal), "after the consumer's wait the global cap still refuses");
    assert.deepEqual(stillGlobal.errors[0]!.extensions?.limits, ["global"]);
    clock.t += 3_000;
    assert.ok(!isRefusal(await stage.admit(context())), "admitted after the longest wait");
  });
});
