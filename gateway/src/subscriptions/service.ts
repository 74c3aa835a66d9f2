/**
 * The execution stage for subscriptions, whatever the transport. The operation pipeline has
 * already authenticated, charged, resolved persisted operations, parsed, validated, authorized
 * and priced the subscription; here it is counted against the consumer's limit, planned, joined
 * to the shared upstream for its primary field, and each upstream event is turned into this
 * client's answer (the rest of the plan fetched with this client's token, unauthorized fields
 * patched, errors shaped). Ends on the client's leaving, the upstream's end, a slow reader, or the
 * token's expiry (TOKEN_EXPIRED), and then releases everything it holds.
 */
import type { ServiceMap } from "@apollo/gateway";
import type { FormattedExecutionResult, GraphQLFormattedError } from "graphql";
import type { ErrorCode } from "../errors/codes.ts";
import type { Prepared } from "../pipeline/pipeline.ts";
import { refuse, type Refusal } from "../pipeline/refusal.ts";
import type { ErrorShaper } from "../pipeline/error-shaping.ts";
import { anonymous, type RequestContext } from "../server/context.ts";
import type { SubgraphRegistry } from "../subgraph/registry.ts";
import type { SupergraphSnapshot } from "../supergraph/snapshot.ts";
import type { ConsumerSubscriptionLimit } from "./consumer-limit.ts";
import type { SubscriptionPlanner } from "./planner.ts";
import { PushStream } from "./push-stream.ts";
import { grpcStreamSource } from "../grpc/stream-source.ts";
import { executeEvent } from "./rest-executor.ts";
import type { UpstreamEnd, UpstreamHub } from "./upstream.ts";
import { upstreamKey } from "./upstream-key.ts";

export type SubscribeOutcome = Refusal | { readonly kind: "started"; readonly stream: PushStream<FormattedExecutionResult> };

export interface SubscriptionServiceOptions {
  planner: SubscriptionPlanner;
  registry: SubgraphRegistry;
  /** A subgraph's instances in rotation now; undefined: its configured instances. */
  liveUrls?: (subgraph: string) => readonly string[] | undefined;
  hub: UpstreamHub;
  consumerLimit: ConsumerSubscriptionLimit;
  /** The consumer id a subscription counts against. */
  consumerOf: (context: RequestContext) => string;
  maxQueuedEvents: number;
  shapeError: ErrorShaper;
  /** Epoch ms; injectable for tests. */
  now?: () => number;
}

/** A formatted error with a registered code. */
export function codedError(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}): GraphQLFormattedError {
  return { message, extensions: { code, ...extensions } };
}

export class SubscriptionService {
  private readonly services = new WeakMap<SupergraphSnapshot, ServiceMap>();
  private readonly now: () => number;
  private active = 0;
  /** Spreads upstream connections over a subgraph's live instances. */
  private nextInstance = 0;

  constructor(private readonly options: SubscriptionServiceOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Client subscriptions running now, over every transport. */
  get size(): number {
    return this.active;
  }

  start(prepared: Prepared, context: RequestContext): SubscribeOutcome {
    const { options } = this;
    const { snapshot, principal } = { snapshot: prepared.snapshot, principal: context.principal };
    const releaseConsumer = options.consumerLimit.acquire(options.consumerOf(context));
    if (!releaseConsumer) return refuse("SUBSCRIPTION_LIMIT_EXCEEDED", "Too many active subscriptions for this consumer", { limit: "consumer" });

    let planned;
    try {
      planned = options.planner.plan(snapshot, prepared.document, prepared.operationName, `${prepared.operationName ?? ""}\0${prepared.queryHash}\0${prepared.source}`);
    } catch (e) {
      releaseConsumer();
      context.logger.error({ err: e }, "subscription planning failed");
      return refuse("INTERNAL_SERVER_ERROR", `The subscription could not be planned (request id ${context.requestId})`);
    }
    const primary = planned.primary;
    const routingUrl = snapshot.subgraphUrls.get(primary.serviceName) ?? "";
    const subgraph = options.registry.resolve(primary.serviceName, routingUrl);
    // Asked at every (re)connection: an instance in rotation then, so a dead one is left for a live one.
    const instanceUrl = () => {
      const live = options.liveUrls?.(subgraph.name);
      const urls = live && live.length > 0 ? live : subgraph.instances.map((i) => i.url);
      return urls[this.nextInstance++ % urls.length]!;
    };
    const wsUrl = () => instanceUrl().replace(/^http/, "ws");
    // A subgraph set not to see identity gets none upstream either, and one upstream serves every caller.
    const upstreamPrincipal = subgraph.settings.forwardIdentity ? principal : anonymous;
    const variables = prepared.variables;
    // A gRPC subgraph's Subscription field is a server stream, opened in-process (grpc/stream-source.ts).
    const grpcRuntime = snapshot.grpc.get(primary.serviceName);
    const source = grpcRuntime
      ? grpcStreamSource({
          runtime: grpcRuntime,
          url: instanceUrl,
          query: primary.operation,
          variables: pick(variables, primary.variableUsages),
          operationName: primary.operationName,
          authorization: upstreamPrincipal.kind === "user" ? `Bearer ${upstreamPrincipal.token}` : undefined,
          maxMessageBytes: subgraph.settings.maxResponseBytes,
        })
      : undefined;

    // Everything below is released exactly once, when the stream closes (whoever closes it).
    const abort = new AbortController();
    let releaseUpstream: (() => void) | undefined;
    let expiry: NodeJS.Timeout | undefined;
    this.active++;
    const stream = new PushStream<FormattedExecutionResult>(options.maxQueuedEvents, () => {
      this.active--;
      abort.abort();
      clearTimeout(expiry);
      releaseUpstream?.();
      releaseConsumer();
    });

    const base: RequestContext = { ...context, telemetry: undefined, signal: abort.signal };
    const execution = { snapshot, planned, services: this.servicesFor(snapshot), variables, context: base };
    const shape = (result: FormattedExecutionResult): FormattedExecutionResult => {
      const filtered = prepared.filtered;
      let data = result.data as Record<string, unknown> | null | undefined;
      const errors = [...(result.errors ?? []), ...(filtered?.errors ?? [])].map((e) => options.shapeError(e, undefined, context));
      if (filtered) data = filtered.patch(data) ?? null;
      return { ...(errors.length > 0 ? { errors } : {}), data: data ?? null };
    };
    let chain: Promise<void> = Promise.resolve();
    const deliver = (result: FormattedExecutionResult) => {
      if (!stream.push(result)) stream.end({ errors: [codedError("SLOW_CONSUMER", `The client fell ${options.maxQueuedEvents} events behind; subscribe again`)] });
    };

    releaseUpstream = options.hub.join(
      upstreamKey({ subgraph: primary.serviceName, operation: primary.operation, variables: pick(variables, primary.variableUsages), principal: upstreamPrincipal }),
      { subgraph: primary.serviceName, url: wsUrl, query: primary.operation, variables: pick(variables, primary.variableUsages), operationName: primary.operationName, ...(source ? { source } : {}) },
      {
        credentials: () => (upstreamPrincipal.kind === "user" ? { token: upstreamPrincipal.token, expiresAt: upstreamPrincipal.expiresAt } : undefined),
        // Events are resolved one after another per client, so they arrive in the order the subgraph sent them.
        next: (event) => {
          chain = chain.then(async () => {
            if (!stream.open) return;
            try {
              const result = await executeEvent({ ...execution, context: { ...base, startedAt: performance.now() } }, event);
              if (stream.open) deliver(shape(result));
            } catch (e) {
              context.logger.error({ err: e }, "subscription event failed");
              deliver({ data: null, errors: [codedError("INTERNAL_SERVER_ERROR", `The event could not be resolved (request id ${context.requestId})`)] });
            }
          });
        },
        end: (end) => {
          chain = chain.then(() => stream.end(finalEvent(end, primary.serviceName)));
        },
      },
    );

    if (principal.kind === "user" && Number.isFinite(principal.expiresAt)) {
      const ms = Math.min(principal.expiresAt * 1000 - this.now(), 2 ** 31 - 1);
      expiry = setTimeout(() => stream.end({ errors: [codedError("TOKEN_EXPIRED", "The access token has expired; subscribe again with a fresh one")] }), Math.max(0, ms));
      expiry.unref();
    }
    context.logger.debug({ subgraph: primary.serviceName, operationName: prepared.operationName }, "subscription started");
    return { kind: "started", stream };
  }

  private servicesFor(snapshot: SupergraphSnapshot): ServiceMap {
    let services = this.services.get(snapshot);
    if (!services) {
      services = {};
      for (const [name, url] of snapshot.subgraphUrls) services[name] = this.options.registry.dataSourceFor(name, url);
      this.services.set(snapshot, services);
    }
    return services;
  }
}

function finalEvent(end: UpstreamEnd, subgraph: string): FormattedExecutionResult | undefined {
  switch (end.kind) {
    case "completed":
      return undefined;
    case "refused":
      return { errors: end.errors.map((e) => ({ message: typeof e.message === "string" ? e.message : "Subscription refused", ...(e.extensions ? { extensions: e.extensions as Record<string, unknown> } : {}) })) };
    case "unavailable":
      return { errors: [codedError("SUBGRAPH_UNAVAILABLE", `Subgraph "${subgraph}" is unavailable`, { subgraph })] };
  }
}

function pick(variables: Record<string, unknown>, names: readonly string[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of names ?? []) if (Object.hasOwn(variables, name)) out[name] = variables[name];
  return out;
}
