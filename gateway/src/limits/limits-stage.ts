/**
 * Demand control and rate limits as pipeline stages, the same for every transport.
 *
 * - `admit`, before the document is parsed: the consumer's budget (and the global cap) is charged
 *   the minimum, so every request pays for the work it causes, whatever its outcome: a document
 *   that fails to parse or validate, or whose every field authorization removes, still spends.
 * - `price`, after authorization (it prices what will run): the estimate is checked against the
 *   consumer's maximum (400) and the rest of it, with the route windows, reserved atomically, or
 *   the request is refused (429 + Retry-After naming the limits; the wait is the longest of the
 *   limits that failed, since every one must pass). Nothing has reached a subgraph yet.
 * - `settle`, when the answer is ready: the actual cost replaces the estimate (refund or extra
 *   charge) and the RateLimit headers describe the most constrained personal limit.
 *
 * `measure` mode does all of it and refuses nothing. A store that cannot answer follows
 * `onStoreError`.
 */
import type { GraphQLSchema, DocumentNode, OperationDefinitionNode } from "graphql";
import type { LimitsConfig } from "../config/limits.ts";
import type { Logger } from "../logging/logger.ts";
import type { RequestContext } from "../server/context.ts";
import { recordCost, recordRateLimit } from "../telemetry/request-record.ts";
import { refuse, type Refusal } from "../pipeline/refusal.ts";
import { actualCost, ActualCostWalkers } from "./actual-cost.ts";
import { identifyConsumer, type Consumer } from "./consumer.ts";
import type { CostDirectives } from "./cost-directives.ts";
import type { CostEstimate, CostInput } from "./cost-estimator.ts";
import { EstimateCache } from "./estimate-cache.ts";
import { mostConstrained, rateLimitHeaders, retryAfterSeconds } from "./headers.ts";
import type { LoadFactor } from "./load-factor.ts";
import type { LimitsMetrics } from "./metrics.ts";
import { limitsFor, type LimitName, type NamedSpec, type RequestLimits } from "./policy.ts";
import type { LimitOutcome, LimiterStore, LimitSpec } from "./store.ts";
import { atMostEvery } from "../logging/at-most-every.ts";

export interface LimitsStageOptions {
  config: LimitsConfig;
  store: LimiterStore;
  load: LoadFactor;
  metrics: LimitsMetrics;
  logger: Logger;
}

/** One request's charges, from admission to settlement. */
export interface Charge {
  readonly consumer: Consumer;
  /** What admission took from each bucket (0 when the store could not answer). */
  admitted: number;
  /** The latest known state of each limit, for the RateLimit headers. */
  readonly outcomes: Map<LimitName, LimitOutcome>;
  /** Bucket specs charged so far, and how much in total. */
  buckets: readonly NamedSpec[];
  reservedTotal: number;
  input: CostInput | undefined;
  estimate: CostEstimate | undefined;
  limits: RequestLimits | undefined;
  refused: boolean;
}

export interface PriceInput {
  readonly schema: GraphQLSchema;
  readonly document: DocumentNode;
  readonly operation: OperationDefinitionNode;
  readonly variables: Readonly<Record<string, unknown>>;
  readonly directives: CostDirectives;
}

export interface Settlement {
  readonly headers: Record<string, string>;
  /** `extensions.cost` when the client asked for the report. */
  readonly report: Record<string, unknown> | undefined;
}

const noCounts: ReadonlyMap<string, number> = new Map();

export interface LimitsStage {
  admit(context: RequestContext): Promise<Charge | Refusal>;
  price(charge: Charge, input: PriceInput, context: RequestContext): Promise<Refusal | undefined>;
  settle(charge: Charge, data: Readonly<Record<string, unknown>> | null | undefined, context: RequestContext): Promise<Settlement>;
}

export function createLimitsStage(options: LimitsStageOptions): LimitsStage {
  const { config, store, metrics } = options;
  const enforce = config.mode === "enforce";
  const log = options.logger.child({ component: "limits" });
  const mayWarn = atMostEvery(5_000);
  const estimates = new EstimateCache();
  const walkers = new ActualCostWalkers();
  const minimum = config.cost.minimumCharge;

  const storeFailed = (error: unknown) => {
    metrics.storeError(config.onStoreError);
    if (mayWarn()) log.warn({ reason: error instanceof Error ? error.message : String(error), action: config.onStoreError }, "rate-limit store unavailable");
  };
  const unavailable = () => refuse("SERVICE_UNAVAILABLE", "Rate limits cannot be checked right now; retry shortly", {}, { "retry-after": "1" });

  /** Takes `specs`; a refusal when enforcing and some limit failed, else undefined. Records each decision. */
  const take = async (charge: Charge, named: readonly NamedSpec[], context: RequestContext, record: boolean): Promise<Refusal | "taken" | "skipped"> => {
    if (named.length === 0) return "taken";
    let result;
    try {
      result = await store.take(named.map((n) => n.spec));
    } catch (e) {
      storeFailed(e);
      return config.onStoreError === "deny" && enforce ? unavailable() : "skipped";
    }
    named.forEach((n, i) => charge.outcomes.set(n.name, result.outcomes[i]!));
    const failed = named.flatMap((n, i) => (result.outcomes[i]!.allowed ? [] : [{ ...n, outcome: result.outcomes[i]! }]));
    if (record || !result.allowed) {
      named.forEach((n, i) => {
        const outcome = result.outcomes[i]!;
        recordRateLimit(context, {
          policy: n.name,
          outcome: outcome.allowed || result.allowed ? "allowed" : enforce ? "rejected" : "would-reject",
          ...(!outcome.allowed && Number.isFinite(outcome.retryAfterMs) ? { retryAfterSeconds: retryAfterSeconds(outcome.retryAfterMs) } : {}),
          remaining: outcome.remaining,
        });
      });
    }
    if (result.allowed) return "taken";
    if (!enforce) {
      log.info({ consumer: charge.consumer.id, limits: failed.map((f) => f.name) }, "rate limit would reject (measure mode)");
      return "skipped";
    }
    charge.refused = true;
    return rateLimited(failed, charge.consumer.tier);
  };

  return {
    async admit(context) {
      const consumer = identifyConsumer(context, config.consumers);
      const charge: Charge = { consumer, admitted: 0, outcomes: new Map(), buckets: [], reservedTotal: 0, input: undefined, estimate: undefined, limits: undefined, refused: false };
      if (minimum <= 0) return charge;
      const buckets = limitsFor(config, consumer, { cost: minimum, fieldCounts: noCounts }, options.load.factor).specs;
      const taken = await take(charge, buckets, context, false);
      if (typeof taken === "object") return taken;
      if (taken === "taken") {
        charge.admitted = minimum;
        charge.buckets = buckets;
        charge.reservedTotal = minimum;
      }
      return charge;
    },

    async price(charge, priceInput, context) {
      const input: CostInput = { ...priceInput, options: config.cost };
      const estimate = estimates.estimate(input);
      const limits = limitsFor(config, charge.consumer, estimate, options.load.factor);
      charge.input = input;
      charge.estimate = estimate;
      charge.limits = limits;
      if (estimate.cost > limits.maxCost) {
        recordCost(context, { estimated: estimate.cost, limit: limits.maxCost, outcome: enforce ? "rejected" : "would-reject" });
        if (enforce) {
          charge.refused = true;
          return refuse("COST_ESTIMATED_TOO_EXPENSIVE", `The operation's estimated cost ${estimate.cost} exceeds the maximum of ${limits.maxCost}`, {
            estimatedCost: estimate.cost,
            maxCost: limits.maxCost,
            tier: charge.consumer.tier,
          });
        }
      }
      // Admission took the minimum from the buckets already; reserve the rest, and the route windows in full.
      const rest = limits.charge - charge.admitted;
      const named: NamedSpec[] = [];
      for (const n of limits.specs) {
        if (n.spec.kind === "window") named.push(n);
        else if (rest > 0) named.push({ name: n.name, spec: { ...n.spec, cost: rest } as LimitSpec });
      }
      const taken = await take(charge, named, context, true);
      if (typeof taken === "object") return taken;
      if (taken === "taken") {
        charge.buckets = limits.specs.filter((n) => n.spec.kind === "bucket");
        charge.reservedTotal = charge.admitted + Math.max(0, rest);
      }
      return undefined;
    },

    async settle(charge, data, context) {
      const priced = charge.estimate !== undefined && charge.limits !== undefined && charge.input !== undefined;
      const actual = priced && !charge.refused && data ? actualCost(charge.input!, data, walkers) : 0;
      const charged = Math.max(actual, minimum);
      const delta = charge.reservedTotal - charged;
      if (priced && !charge.refused && delta !== 0 && charge.buckets.length > 0) {
        try {
          const adjusted = await store.adjust(
            charge.buckets.map(({ spec }) => {
              const bucket = spec as Extract<LimitSpec, { kind: "bucket" }>;
              return { key: bucket.key, capacity: bucket.capacity, refillPerSecond: bucket.refillPerSecond, delta };
            }),
          );
          charge.buckets.forEach((n, i) => adjusted[i] && charge.outcomes.set(n.name, adjusted[i]!));
        } catch (e) {
          storeFailed(e);
        }
      }
      const headers: Record<string, string> = {};
      if (!charge.refused) {
        const personal = [...charge.outcomes].filter(([name]) => name !== "global").map(([, o]) => o);
        const shown = mostConstrained(personal);
        if (shown) Object.assign(headers, rateLimitHeaders(shown));
      }
      if (priced) {
        recordCost(context, {
          estimated: charge.estimate!.cost,
          ...(charge.refused ? {} : { actual }),
          limit: charge.limits!.maxCost,
          outcome: charge.refused ? "rejected" : charge.estimate!.cost > charge.limits!.maxCost ? "would-reject" : "allowed",
        });
      }
      const report = priced && wantsReport(context, config.cost.reportHeader)
        ? { estimated: charge.estimate!.cost, actual: charge.refused ? null : actual, charged: charge.refused ? charge.admitted : charged, maxCost: charge.limits!.maxCost }
        : undefined;
      return { headers, report };
    },
  };

  function rateLimited(failed: ReadonlyArray<NamedSpec & { outcome: LimitOutcome }>, tier: string): Refusal {
    // Every limit must pass, so the request passes once the slowest one does.
    const waitMs = Math.max(...failed.map((f) => retryWaitMs(f)));
    const slowest = failed.reduce((a, b) => (retryWaitMs(b) > retryWaitMs(a) ? b : a));
    const never = !Number.isFinite(waitMs);
    const seconds = never ? undefined : retryAfterSeconds(waitMs);
    const headers: Record<string, string> = { ...rateLimitHeaders(slowest.outcome), ...(seconds !== undefined ? { "retry-after": String(seconds) } : {}) };
    const names = failed.map((f) => f.name);
    const message = never ? `Rate limit ${names.join(", ")} can never admit this operation as written` : `Rate limit exceeded: ${names.join(", ")}; retry after ${seconds} s`;
    return refuse("RATE_LIMITED", message, { limit: slowest.name, limits: names, tier, ...(seconds !== undefined ? { retryAfterSeconds: seconds } : {}) }, headers);
  }

  /** Ms until this limit would admit the request. A bucket the load factor shrank below the charge waits for the factor to recover. */
  function retryWaitMs(f: NamedSpec & { outcome: LimitOutcome }): number {
    if (Number.isFinite(f.outcome.retryAfterMs)) return f.outcome.retryAfterMs;
    const dynamic = config.dynamic;
    const factor = options.load.factor;
    if (!dynamic || factor >= 1 || f.spec.kind !== "bucket") return Infinity;
    const needed = f.spec.cost / (f.spec.capacity / factor);
    if (needed > 1) return Infinity;
    return Math.ceil((needed - factor) / dynamic.recoverStep) * dynamic.intervalMs + (f.spec.cost / (f.spec.refillPerSecond / factor)) * 1000;
  }
}

function wantsReport(context: RequestContext, header: string): boolean {
  const value = context.headers[header];
  return typeof value === "string" && value !== "" && value !== "0" && value.toLowerCase() !== "false";
}
