/**
 * Assembles demand control and rate limits from the `limits` config: the cost directives
 * (rebuilt on every supergraph load), the store (memory, or Redis with its failure policy),
 * the load monitor, the metrics and the pipeline's limits stages. Assembly only.
 */
import { Kind, parse } from "graphql";
import type { Registry } from "prom-client";
import type { LimitsConfig } from "../config/limits.ts";
import type { Logger } from "../logging/logger.ts";
import type { SubgraphLayer } from "../subgraph/types.ts";
import type { FileSupergraphSource } from "../supergraph/file-source.ts";
import { FailoverStore } from "./failover-store.ts";
import { fullCapacity, LoadMonitor, type LoadFactor } from "./load-factor.ts";
import { MemoryStore } from "./memory-store.ts";
import { limitsMetrics } from "./metrics.ts";
import { createLimitsStage, type LimitsStage } from "./limits-stage.ts";
import type { LimiterStore } from "./store.ts";
import { upstreamLatencyLayer } from "./upstream-latency-layer.ts";
import { atMostEvery } from "../logging/at-most-every.ts";

export interface LimitsDeps {
  supergraph: FileSupergraphSource;
  logger: Logger;
  /** The telemetry registry; undefined when metrics are off. */
  registry: Registry | undefined;
  /** Requests in flight at the HTTP edge, for the overload signal. */
  inFlight: () => number;
}

export interface LimitsRuntime {
  /** Admission, pricing and settlement, for the operation pipeline. */
  readonly stage: LimitsStage;
  /** Feeds subgraph latency to the load monitor; undefined when that signal is not configured. */
  readonly subgraphLayer: SubgraphLayer | undefined;
  /** The current load factor (1 without `dynamic`). */
  readonly load: LoadFactor;
  readonly store: LimiterStore;
  close(): Promise<void>;
}

export async function setupLimits(config: LimitsConfig, deps: LimitsDeps): Promise<LimitsRuntime> {
  const logger = deps.logger.child({ component: "limits" });
  const metrics = limitsMetrics(deps.registry);

  deps.supergraph.onLoad((loaded) => {
    const unknown = unknownCoordinates(loaded.sdl, Object.keys(config.routes));
    if (unknown.length > 0) logger.warn({ routes: unknown }, "limits.routes names fields the supergraph does not have: those limits never apply");
  });

  const store = await createStore(config, logger, (action) => metrics.storeError(action));

  let load: LoadFactor = fullCapacity;
  let monitor: LoadMonitor | undefined;
  if (config.dynamic) {
    const dynamic = config.dynamic;
    monitor = new LoadMonitor({
      thresholds: dynamic,
      intervalMs: dynamic.intervalMs,
      inFlight: deps.inFlight,
      onChange: (factor, reasons) => {
        metrics.loadFactor(factor);
        if (reasons.length > 0) logger.warn({ factor, reasons }, "gateway overloaded: rate limits shrunk");
        else logger.info({ factor }, "load factor recovering");
      },
    });
    monitor.start();
    load = monitor;
  }
  const latencyMonitor = config.dynamic?.upstreamLatencyMs !== undefined ? monitor : undefined;

  logger.info({ mode: config.mode, store: store.kind, tiers: Object.keys(config.tiers), routes: Object.keys(config.routes), global: config.global?.costPerSecond }, "rate limits on");
  return {
    // The stage binds its own component; giving it ours would write the key twice on each line.
    stage: createLimitsStage({ config, store, load, metrics, logger: deps.logger }),
    subgraphLayer: latencyMonitor ? upstreamLatencyLayer((ms) => latencyMonitor.recordUpstreamLatency(ms)) : undefined,
    load,
    store,
    close: async () => {
      monitor?.stop();
      await store.close();
    },
  };
}

async function createStore(config: LimitsConfig, logger: Logger, storeError: (action: string) => void): Promise<LimiterStore> {
  const redis = config.store.redis;
  if (!redis) return new MemoryStore();
  // Loaded only here: a gateway without Redis never loads its client.
  const [{ RedisStore }, { redactUrl }] = await Promise.all([import("./redis-store.ts"), import("../redis/fail-fast-client.ts")]);
  logger.info({ url: redactUrl(redis.url), onStoreError: config.onStoreError }, "rate-limit counters in redis");
  const shared = await RedisStore.connect({ ...redis, logger });
  if (config.onStoreError !== "local") return shared;
  const mayWarn = atMostEvery(5_000);
  return new FailoverStore(shared, new MemoryStore(), (e) => {
    storeError("local");
    if (!mayWarn()) return;
    logger.warn({ reason: e instanceof Error ? e.message : String(e) }, "rate-limit store unavailable: limiting per process until it answers");
  });
}

/** Route coordinates with no such field on an object type of the supergraph. */
function unknownCoordinates(sdl: string, coordinates: readonly string[]): string[] {
  if (coordinates.length === 0) return [];
  const fields = new Set<string>();
  for (const def of parse(sdl, { noLocation: true }).definitions) {
    if (def.kind !== Kind.OBJECT_TYPE_DEFINITION && def.kind !== Kind.OBJECT_TYPE_EXTENSION) continue;
    for (const field of def.fields ?? []) fields.add(`${def.name.value}.${field.name.value}`);
  }
  return coordinates.filter((c) => !fields.has(c));
}
