/**
 * Rate limits at subscribe time: starting a subscription is charged like a request, with the
 * operation's estimated cost, against the same consumer budget, route windows and global cap
 * as queries (limits/), before anything is sent upstream. The events that follow are not
 * charged: the client did not ask for them one by one. `measure` mode logs and refuses nothing.
 */
import { getVariableValues, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode } from "graphql";
import type { LimitsConfig } from "../config/limits.ts";
import { identifyConsumer, type ConsumerSource } from "../limits/consumer.ts";
import { costDirectivesFrom, type CostDirectives } from "../limits/cost-directives.ts";
import { estimateCost } from "../limits/cost-estimator.ts";
import { rateLimitHeaders, retryAfterSeconds } from "../limits/headers.ts";
import type { LoadFactor } from "../limits/load-factor.ts";
import { limitsFor } from "../limits/policy.ts";
import type { LimiterStore } from "../limits/store.ts";
import type { Logger } from "../logging/logger.ts";

export interface RateLimitInput extends ConsumerSource {
  readonly schema: GraphQLSchema;
  readonly document: DocumentNode;
  readonly operation: OperationDefinitionNode;
  readonly variables: Record<string, unknown>;
}

export type RateLimitDecision =
  | { readonly kind: "allowed" }
  | {
      readonly kind: "refused";
      readonly code: "RATE_LIMITED" | "COST_ESTIMATED_TOO_EXPENSIVE" | "SERVICE_UNAVAILABLE";
      readonly message: string;
      readonly extensions: Record<string, unknown>;
      readonly headers: Record<string, string>;
    };

export type SubscribeRateLimiter = (input: RateLimitInput) => Promise<RateLimitDecision>;

export interface RateLimitDeps {
  store: LimiterStore;
  load: LoadFactor;
  sdl: () => string | undefined;
  logger: Logger;
}

export function createSubscribeRateLimiter(config: LimitsConfig, deps: RateLimitDeps): SubscribeRateLimiter {
  const enforce = config.mode === "enforce";
  let cached: { sdl: string; directives: CostDirectives } | undefined;
  const directives = (): CostDirectives | undefined => {
    const sdl = deps.sdl();
    if (!sdl) return undefined;
    if (cached?.sdl !== sdl) cached = { sdl, directives: costDirectivesFrom(sdl) };
    return cached.directives;
  };

  return async (input): Promise<RateLimitDecision> => {
    const costDirectives = directives();
    if (!costDirectives) return { kind: "allowed" };
    const variables = getVariableValues(input.schema, input.operation.variableDefinitions ?? [], input.variables).coerced ?? {};
    const estimate = estimateCost({ schema: input.schema, document: input.document, operation: input.operation, variables, directives: costDirectives, options: config.cost });
    const consumer = identifyConsumer(input, config.consumers);
    const limits = limitsFor(config, consumer, estimate, deps.load.factor);
    if (estimate.cost > limits.maxCost && enforce) {
      return {
        kind: "refused",
        code: "COST_ESTIMATED_TOO_EXPENSIVE",
        message: `The operation's estimated cost ${estimate.cost} exceeds the maximum of ${limits.maxCost}`,
        extensions: { estimatedCost: estimate.cost, maxCost: limits.maxCost, tier: consumer.tier },
        headers: {},
      };
    }
    let result;
    try {
      result = limits.specs.length > 0 ? await deps.store.take(limits.specs.map((s) => s.spec)) : undefined;
    } catch (e) {
      deps.logger.warn({ reason: e instanceof Error ? e.message : String(e), action: config.onStoreError }, "rate-limit store unavailable at subscribe");
      if (config.onStoreError === "deny" && enforce) {
        return { kind: "refused", code: "SERVICE_UNAVAILABLE", message: "Rate limits cannot be checked right now; retry shortly", extensions: {}, headers: { "retry-after": "1" } };
      }
      return { kind: "allowed" };
    }
    if (!result || result.allowed) return { kind: "allowed" };
    const failed = limits.specs.flatMap((s, i) => (result.outcomes[i]!.allowed ? [] : [{ name: s.name, outcome: result.outcomes[i]! }]));
    if (!enforce) {
      deps.logger.info({ consumer: consumer.id, limits: failed.map((f) => f.name) }, "subscription rate limit would reject (measure mode)");
      return { kind: "allowed" };
    }
    const waitMs = Math.max(...failed.map((f) => f.outcome.retryAfterMs));
    const seconds = Number.isFinite(waitMs) ? retryAfterSeconds(waitMs) : undefined;
    const first = failed[0]!;
    return {
      kind: "refused",
      code: "RATE_LIMITED",
      message: seconds === undefined ? `Rate limit ${first.name} can never admit this subscription` : `Rate limit exceeded: ${failed.map((f) => f.name).join(", ")}; retry after ${seconds} s`,
      extensions: { limit: first.name, limits: failed.map((f) => f.name), tier: consumer.tier, ...(seconds !== undefined ? { retryAfterSeconds: seconds } : {}) },
      headers: { ...rateLimitHeaders(first.outcome), ...(seconds !== undefined ? { "retry-after": String(seconds) } : {}) },
    };
  };
}
