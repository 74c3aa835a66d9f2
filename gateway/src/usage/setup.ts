/**
 * Assembly of the usage feature from the `usage` and `supergraph.reloadGuard` config: the store
 * (Redis when configured, else the SQLite file), the recorder the pipeline calls after each
 * execution, the deprecation metric, and the reload guard on the supergraph source. No logic
 * of its own.
 */
import type { Registry } from "prom-client";
import type { GatewayConfig } from "../config/schema.ts";
import type { Logger } from "../logging/logger.ts";
import { redactUrl } from "../redis/fail-fast-client.ts";
import type { FileSupergraphSource } from "../supergraph/file-source.ts";
import type { SupergraphSnapshot } from "../supergraph/snapshot.ts";
import { createUsageMetrics } from "./metrics.ts";
import { UsageRecorder } from "./recorder.ts";
import { createReloadGuard, type SupergraphReloadGuard } from "./reload-guard.ts";
import type { UsageStore } from "./store.ts";

export interface UsageRuntime {
  readonly recorder: UsageRecorder;
  /** Undefined when the guard is off. */
  readonly guard: SupergraphReloadGuard | undefined;
  close(): Promise<void>;
}

export interface UsageSetupOptions {
  supergraph: FileSupergraphSource;
  snapshot: () => SupergraphSnapshot | undefined;
  logger: Logger;
  registry: Registry | undefined;
}

export async function setupUsage(config: GatewayConfig, options: UsageSetupOptions): Promise<UsageRuntime | undefined> {
  const usage = config.usage;
  if (!usage) return undefined;
  const logger = options.logger.child({ component: "usage" });
  const retentionMs = usage.retentionDays * 86_400_000;
  let store: UsageStore;
  if (usage.redis) {
    const redis = usage.redis;
    const { connectRedisUsageStore } = await import("./redis-store.ts");
    const connected = await connectRedisUsageStore({ ...redis, retentionMs, bucketMs: usage.bucketSeconds * 1_000, onConnectionError: (e) => logger.warn({ reason: e.message }, "redis usage store connection error") });
    if (!connected.ready) logger.warn({ url: redactUrl(redis.url) }, "redis usage store not reachable at start; counts are lost until it is");
    store = connected.store;
  } else {
    const { SqliteUsageStore } = await import("./sqlite-store.ts");
    store = new SqliteUsageStore(usage.sqlite.path);
  }
  const metrics = options.registry ? createUsageMetrics(options.registry) : undefined;
  const reloadGuard = config.supergraph.reloadGuard;
  const windowMs = reloadGuard.windowMinutes * 60_000;
  const recorder = new UsageRecorder({
    store,
    bucketMs: usage.bucketSeconds * 1_000,
    flushIntervalMs: usage.flushIntervalMs,
    retentionMs,
    maxPendingCounts: usage.maxPendingCounts,
    maxOperations: usage.maxOperations,
    recentWindowMs: windowMs,
    logger,
    ...(metrics ? { onDeprecated: metrics.deprecated } : {}),
  });
  const guard =
    reloadGuard.mode === "off"
      ? undefined
      : createReloadGuard({
          mode: reloadGuard.mode,
          windowMs,
          currentSchema: () => options.snapshot()?.apiSchema,
          recent: (since) => recorder.recent(since),
          logger: options.logger,
          ...(metrics ? { onOutcome: metrics.guard } : {}),
        });
  if (guard) options.supergraph.guardReloads(guard);
  return {
    recorder,
    guard,
    close: async () => {
      await recorder.close();
      await store.close();
    },
  };
}
