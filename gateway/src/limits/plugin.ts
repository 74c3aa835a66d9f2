/**
 * The demand-control and rate-limit plugin. Its decision runs in `responseForOperation`, which
 * Apollo Server calls only after every plugin's `didResolveOperation` succeeded (those run
 * concurrently, so a decision there could charge a request that authorization then refuses)
 * and before the query plan: a refused request never reaches a subgraph.
 *
 * Per request: estimate the cost; refuse it (400) above the consumer's max; reserve the
 * estimate from every limit that applies, atomically, or refuse it (429 + Retry-After, naming
 * the limit). After execution (`willSendResponse`) the actual cost is computed from the
 * response data and the difference is refunded (or, above the estimate, charged). `measure`
 * mode does all of it but refuses nothing.
 */
import { HeaderMap, type ApolloServerPlugin, type GraphQLRequestContext, type GraphQLResponse } from "@apollo/server";
import { getVariableValues } from "graphql";
import type { LimitsConfig } from "../config/limits.ts";
import { errorCodes, type ErrorCode } from "../errors/codes.ts";
import type { Logger } from "../logging/logger.ts";
import type { RequestContext } from "../server/context.ts";
import { recordCost, recordRateLimit } from "../telemetry/request-record.ts";
import { actualCost } from "./actual-cost.ts";
import { oncePerSharedData } from "../execution/operation-sharing.ts";
import { identifyConsumer } from "./consumer.ts";
import type { CostDirectives } from "./cost-directives.ts";
import type { CostEstimate, CostInput } from "./cost-estimator.ts";
import { EstimateCache } from "./estimate-cache.ts";
import { mostConstrained, rateLimitHeaders, retryAfterSeconds } from "./headers.ts";
import type { LoadFactor } from "./load-factor.ts";
import type { LimitsMetrics } from "./metrics.ts";
import { limitsFor, settle, type NamedSpec, type RequestLimits } from "./policy.ts";
import type { LimitOutcome, LimiterStore } from "./store.ts";
import { atMostEvery } from "../logging/at-most-every.ts";

export interface LimitsPluginOptions {
  config: LimitsConfig;
  /** The cost directives of the supergraph in service; undefined before the first load. */
  directives: () => CostDirectives | undefined;
  store: LimiterStore;
  load: LoadFactor;
  metrics: LimitsMetrics;
  logger: Logger;
}

/** Per-request state between the decision and the settlement. */
interface Decision {
  readonly input: CostInput;
  readonly estimate: CostEstimate;
  readonly limits: RequestLimits;
  /** The estimate was reserved and must be settled against the actual cost. */
  reserved: boolean;
  /** Outcomes for the RateLimit headers; undefined when the store could not answer. */
  outcomes: readonly LimitOutcome[] | undefined;
  refused: boolean;
}

export function limitsPlugin(options: LimitsPluginOptions): ApolloServerPlugin<RequestContext> {
  const { config, store, metrics } = options;
  const enforce = config.mode === "enforce";
  const log = options.logger.child({ component: "limits" });
  const mayWarn = atMostEvery(5_000);
  // Requests sharing one execution ran the same document with the same variables: one walk prices them all.
  const actualCostOnce = oncePerSharedData<number>();
  const estimates = new EstimateCache();

  const storeFailed = (error: unknown) => {
    metrics.storeError(config.onStoreError);
    if (mayWarn()) {
      log.warn({ reason: error instanceof Error ? error.message : String(error), action: config.onStoreError }, "rate-limit store unavailable");
    }
  };

  return {
    async requestDidStart() {
      let decision: Decision | undefined;
      return {
        async responseForOperation(request) {
          const directives = options.directives();
          const operation = request.operation;
          if (!directives || !operation || operation.operation === "subscription") return null;
          const coerced = getVariableValues(request.schema, operation.variableDefinitions ?? [], request.request.variables ?? {});
          const input: CostInput = {
            schema: request.schema,
            document: request.document,
            operation,
            variables: coerced.coerced ?? {},
            directives,
            options: config.cost,
          };
          const estimate = estimates.estimate(input);
          const consumer = identifyConsumer(request.contextValue, config.consumers);
          const limits = limitsFor(config, consumer, estimate, options.load.factor);
          decision = { input, estimate, limits, reserved: false, outcomes: undefined, refused: false };

          if (estimate.cost > limits.maxCost) {
            recordCost(request.contextValue, { estimated: estimate.cost, limit: limits.maxCost, outcome: enforce ? "rejected" : "would-reject" });
            if (enforce) {
              decision.refused = true;
              return errorResponse("COST_ESTIMATED_TOO_EXPENSIVE", `The operation's estimated cost ${estimate.cost} exceeds the maximum of ${limits.maxCost}`, {
                estimatedCost: estimate.cost,
                maxCost: limits.maxCost,
                tier: consumer.tier,
              });
            }
          }

          const named = limits.specs;
          let result;
          try {
            result = await store.take(named.map((n) => n.spec));
          } catch (e) {
            storeFailed(e);
            if (config.onStoreError === "deny" && enforce) {
              decision.refused = true;
              return errorResponse("SERVICE_UNAVAILABLE", "Rate limits cannot be checked right now; retry shortly", {}, { "retry-after": "1" });
            }
            return null;
          }
          decision.outcomes = result.outcomes;
          const failed = named.flatMap((n, i) => (result.outcomes[i]!.allowed ? [] : [{ ...n, outcome: result.outcomes[i]! }]));
          named.forEach((n, i) => {
            const outcome = result.outcomes[i]!;
            recordRateLimit(request.contextValue, {
              policy: n.name,
              outcome: outcome.allowed || result.allowed ? "allowed" : enforce ? "rejected" : "would-reject",
              ...(!outcome.allowed && Number.isFinite(outcome.retryAfterMs) ? { retryAfterSeconds: retryAfterSeconds(outcome.retryAfterMs) } : {}),
              remaining: outcome.remaining,
            });
          });
          if (result.allowed) {
            decision.reserved = true;
            return null;
          }
          if (!enforce) {
            log.info({ consumer: consumer.id, limits: failed.map((f) => f.name), estimatedCost: estimate.cost }, "rate limit would reject (measure mode)");
            return null;
          }
          decision.refused = true;
          return rateLimited(failed, consumer.tier);
        },

        async willSendResponse(request) {
          if (!decision) return;
          const body = request.response.body;
          const single = body.kind === "single" ? body.singleResult : body.initialResult;
          const data = single.data;
          const input = decision.input;
          const actual = decision.refused || !data ? 0 : actualCostOnce(data, () => actualCost(input, data));
          const charged = decision.reserved ? Math.max(actual, config.cost.minimumCharge) : 0;
          if (decision.reserved) {
            try {
              const adjusted = await store.adjust(settle(decision.limits, charged));
              decision.outcomes = replaceBuckets(decision.limits.specs, decision.outcomes ?? [], adjusted);
            } catch (e) {
              storeFailed(e);
            }
          }
          if (!decision.refused && decision.outcomes) {
            const personal = decision.outcomes.filter((_, i) => decision!.limits.specs[i]!.name !== "global");
            const shown = mostConstrained(personal);
            if (shown) for (const [name, value] of Object.entries(rateLimitHeaders(shown))) request.response.http.headers.set(name, value);
          }
          recordCost(request.contextValue, {
            estimated: decision.estimate.cost,
            ...(decision.refused ? {} : { actual }),
            limit: decision.limits.maxCost,
            outcome: decision.refused ? "rejected" : decision.estimate.cost > decision.limits.maxCost ? "would-reject" : "allowed",
          });
          if (wantsReport(request, config.cost.reportHeader)) {
            single.extensions = {
              ...single.extensions,
              cost: { estimated: decision.estimate.cost, actual: decision.refused ? null : actual, charged, maxCost: decision.limits.maxCost },
            };
          }
        },
      };
    },
  };

  function rateLimited(failed: ReadonlyArray<NamedSpec & { outcome: LimitOutcome }>, tier: string): GraphQLResponse {
    // Every limit must pass, so the request passes once the slowest one does.
    const waitMs = Math.max(...failed.map((f) => retryWaitMs(f)));
    const first = failed.reduce((a, b) => (retryWaitMs(b) > retryWaitMs(a) ? b : a));
    const never = !Number.isFinite(waitMs);
    const seconds = never ? undefined : retryAfterSeconds(waitMs);
    const headers: Record<string, string> = { ...rateLimitHeaders(first.outcome), ...(seconds !== undefined ? { "retry-after": String(seconds) } : {}) };
    const names = failed.map((f) => f.name);
    const message = never
      ? `Rate limit ${names.join(", ")} can never admit this operation as written`
      : `Rate limit exceeded: ${names.join(", ")}; retry after ${seconds} s`;
    return errorResponse("RATE_LIMITED", message, { limit: first.name, limits: names, tier, ...(seconds !== undefined ? { retryAfterSeconds: seconds } : {}) }, headers);
  }

  /** Ms until this limit would admit the request. A bucket the load factor shrank below the charge waits for the factor to recover. */
  function retryWaitMs(f: NamedSpec & { outcome: LimitOutcome }): number {
    if (Number.isFinite(f.outcome.retryAfterMs)) return f.outcome.retryAfterMs;
    const dynamic = config.dynamic;
    const factor = options.load.factor;
    if (!dynamic || factor >= 1 || f.spec.kind !== "bucket") return Infinity;
    const needed = f.spec.cost / (f.spec.capacity / factor);
    if (needed > 1) return Infinity;
    return Math.ceil((needed - factor) / dynamic.recoverStep) * dynamic.intervalMs + f.spec.cost / (f.spec.refillPerSecond / factor) * 1000;
  }
}

function errorResponse(code: ErrorCode, message: string, extensions: Record<string, unknown>, headers: Record<string, string> = {}): GraphQLResponse {
  return {
    http: { status: errorCodes[code], headers: new HeaderMap(Object.entries(headers)) },
    body: { kind: "single", singleResult: { errors: [{ message, extensions: { code, ...extensions } }] } },
  };
}

function wantsReport(request: GraphQLRequestContext<RequestContext>, header: string): boolean {
  const value = request.contextValue.headers[header];
  return typeof value === "string" && value !== "" && value !== "0" && value.toLowerCase() !== "false";
}

/** The take's outcomes with each adjusted bucket's new state in place. */
function replaceBuckets(specs: readonly NamedSpec[], outcomes: readonly LimitOutcome[], adjusted: readonly LimitOutcome[]): LimitOutcome[] {
  let next = 0;
  return outcomes.map((o, i) => (specs[i]!.spec.kind === "bucket" && next < adjusted.length ? adjusted[next++]! : o));
}
