/**
 * One federated subscription, whatever the transport: parse and validate against the API schema,
 * authorize (directives), count it against the consumer's limit, charge the rate limits, plan,
 * join the shared upstream for the primary field, and turn each upstream event into this client's
 * answer (the rest of the plan fetched with this client's token, unauthorized fields patched).
 * Ends on the client's leaving, the upstream's end, a slow reader, or the token's expiry
 * (TOKEN_EXPIRED), and then releases everything it holds.
 */
import type { IncomingHttpHeaders } from "node:http";
import type { ServiceMap } from "@apollo/gateway";
import { getOperationAST, getVariableValues, GraphQLError, parse, validate, type DocumentNode, type FormattedExecutionResult, type GraphQLFormattedError, type GraphQLSchema } from "graphql";
import { errorCodes, type ErrorCode } from "../errors/codes.ts";
import type { Logger } from "../logging/logger.ts";
import { anonymous, type Principal, type RequestContext } from "../server/context.ts";
import type { SubgraphRegistry } from "../subgraph/registry.ts";
import type { Authorizer } from "./authorize.ts";
import type { ConsumerSubscriptionLimit } from "./consumer-limit.ts";
import type { Planning, SubscriptionPlanner } from "./planner.ts";
import { PushStream } from "./push-stream.ts";
import type { SubscribeRateLimiter } from "./rate-limit.ts";
import { executeEvent } from "./rest-executor.ts";
import type { UpstreamEnd, UpstreamHub } from "./upstream.ts";
import { upstreamKey } from "./upstream-key.ts";

export interface SubscribeRequest {
  readonly query: string;
  readonly operationName: string | undefined;
  readonly variables: Record<string, unknown> | undefined;
  readonly principal: Principal;
  readonly headers: IncomingHttpHeaders;
  readonly clientAddress: string;
  readonly requestId: string;
  readonly logger: Logger;
}

export type SubscribeOutcome =
  | { readonly kind: "refused"; readonly status: number; readonly errors: GraphQLFormattedError[]; readonly headers: Record<string, string> }
  | {
      readonly kind: "started";
      readonly stream: PushStream<FormattedExecutionResult>;
      /** The operation as executed (authorization may have filtered it) and the API schema it is valid in. */
      readonly document: DocumentNode;
      readonly schema: GraphQLSchema;
    };

export interface SubscriptionServiceOptions {
  planner: SubscriptionPlanner;
  /** The sanitized supergraph SDL in service; undefined before the first load. */
  gatewaySdl: () => string | undefined;
  registry: SubgraphRegistry;
  /** A subgraph's instances in rotation now; undefined: its configured instances. */
  liveUrls?: (subgraph: string) => readonly string[] | undefined;
  hub: UpstreamHub;
  authorize: Authorizer;
  rateLimit: SubscribeRateLimiter | undefined;
  consumerLimit: ConsumerSubscriptionLimit;
  /** The consumer id a subscription counts against. */
  consumerOf: (request: SubscribeRequest) => string;
  maxQueuedEvents: number;
  /** Epoch ms; injectable for tests. */
  now?: () => number;
}

/** A formatted error with a registered code. */
export function codedError(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}): GraphQLFormattedError {
  return { message, extensions: { code, ...extensions } };
}

const refused = (code: ErrorCode, message: string, extensions: Record<string, unknown> = {}, headers: Record<string, string> = {}, status: number = errorCodes[code]): SubscribeOutcome => ({
  kind: "refused",
  status,
  errors: [codedError(code, message, extensions)],
  headers,
});

export class SubscriptionService {
  private readonly services = new WeakMap<Planning, ServiceMap>();
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

  async subscribe(request: SubscribeRequest): Promise<SubscribeOutcome> {
    const { options } = this;
    const sdl = options.gatewaySdl();
    if (!sdl) return refused("SERVICE_UNAVAILABLE", "The supergraph is not loaded yet; retry shortly", {}, { "retry-after": "1" });
    const planning = options.planner.planningFor(sdl);

    let document: DocumentNode;
    try {
      document = parse(request.query);
    } catch (e) {
      return refused("GRAPHQL_PARSE_FAILED", e instanceof GraphQLError ? e.message : "The query does not parse");
    }
    const validation = validate(planning.apiSchema, document);
    if (validation.length > 0) return { kind: "refused", status: 400, errors: validation.map((e) => ({ ...e.toJSON(), extensions: { code: "GRAPHQL_VALIDATION_FAILED" } })), headers: {} };
    const operation = getOperationAST(document, request.operationName);
    if (!operation) return refused("OPERATION_RESOLUTION_FAILURE", request.operationName ? `Unknown operation named "${request.operationName}"` : "Name the operation to run in operationName");
    if (operation.operation !== "subscription") return refused("SUBSCRIPTION_ONLY", `Only subscriptions are served here; send a ${operation.operation} as a plain POST request`);
    const coerced = getVariableValues(planning.apiSchema, operation.variableDefinitions ?? [], request.variables ?? {});
    if (coerced.errors) return { kind: "refused", status: 400, errors: coerced.errors.map((e) => ({ message: e.message, extensions: { code: "BAD_REQUEST" } })), headers: {} };
    const variables = request.variables ?? {};

    const { principal } = request;
    if (principal.kind === "user" && principal.expiresAt * 1000 <= this.now()) return refused("TOKEN_EXPIRED", "The access token has expired; subscribe again with a fresh one");

    const authorization = await options.authorize({ schema: planning.apiSchema, document, operation, variables, principal, headers: request.headers, logger: request.logger });
    if (authorization.kind === "refused") return { kind: "refused", status: 403, errors: authorization.errors, headers: {} };

    const consumer = options.consumerOf(request);
    const releaseConsumer = options.consumerLimit.acquire(consumer);
    if (!releaseConsumer) return refused("SUBSCRIPTION_LIMIT_EXCEEDED", "Too many active subscriptions for this consumer", { limit: "consumer" });

    if (options.rateLimit) {
      const decision = await options.rateLimit({ schema: planning.apiSchema, document: authorization.document, operation: authorization.operation, variables, principal, headers: request.headers, clientAddress: request.clientAddress });
      if (decision.kind === "refused") {
        releaseConsumer();
        return refused(decision.code, decision.message, decision.extensions, decision.headers);
      }
    }

    let planned;
    try {
      planned = planning.plan(authorization.document, request.operationName, `${request.operationName ?? ""}\0${authorization.shape}\0${request.query}`);
    } catch (e) {
      releaseConsumer();
      request.logger.error({ err: e }, "subscription planning failed");
      return refused("INTERNAL_SERVER_ERROR", `The subscription could not be planned (request id ${request.requestId})`);
    }
    const primary = planned.primary;
    const routingUrl = planning.subgraphUrls.get(primary.serviceName) ?? "";
    const subgraph = options.registry.resolve(primary.serviceName, routingUrl);
    // Asked at every (re)connection: an instance in rotation then, so a dead one is left for a live one.
    const wsUrl = () => {
      const live = options.liveUrls?.(subgraph.name);
      const urls = live && live.length > 0 ? live : subgraph.instances.map((i) => i.url);
      return urls[this.nextInstance++ % urls.length]!.replace(/^http/, "ws");
    };
    // A subgraph set not to see identity gets none upstream either, and one upstream serves every caller.
    const upstreamPrincipal = subgraph.settings.forwardIdentity ? principal : anonymous;

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

    const base: RequestContext = {
      requestId: request.requestId,
      logger: request.logger,
      headers: request.headers,
      clientAddress: request.clientAddress,
      signal: abort.signal,
      startedAt: performance.now(),
      principal,
    };
    const execution = { planning, planned, services: this.servicesFor(planning), variables, context: base };
    let chain: Promise<void> = Promise.resolve();
    const deliver = (result: FormattedExecutionResult) => {
      if (!stream.push(result)) stream.end({ errors: [codedError("SLOW_CONSUMER", `The client fell ${options.maxQueuedEvents} events behind; subscribe again`)] });
    };

    releaseUpstream = options.hub.join(
      upstreamKey({ subgraph: primary.serviceName, operation: primary.operation, variables: pick(variables, primary.variableUsages), principal: upstreamPrincipal }),
      { subgraph: primary.serviceName, url: wsUrl, query: primary.operation, variables: pick(variables, primary.variableUsages), operationName: primary.operationName },
      {
        credentials: () => (upstreamPrincipal.kind === "user" ? { token: upstreamPrincipal.token, expiresAt: upstreamPrincipal.expiresAt } : undefined),
        // Events are resolved one after another per client, so they arrive in the order the subgraph sent them.
        next: (event) => {
          chain = chain.then(async () => {
            if (!stream.open) return;
            try {
              const result = await executeEvent({ ...execution, context: { ...base, startedAt: performance.now() } }, event);
              if (stream.open) deliver(authorization.patch(result));
            } catch (e) {
              request.logger.error({ err: e }, "subscription event failed");
              deliver({ data: null, errors: [codedError("INTERNAL_SERVER_ERROR", `The event could not be resolved (request id ${request.requestId})`)] });
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
    request.logger.debug({ subgraph: primary.serviceName, operationName: request.operationName }, "subscription started");
    return { kind: "started", stream, document: authorization.document, schema: planning.apiSchema };
  }

  private servicesFor(planning: Planning): ServiceMap {
    let services = this.services.get(planning);
    if (!services) {
      services = {};
      for (const [name, url] of planning.subgraphUrls) services[name] = this.options.registry.dataSourceFor(name, url);
      this.services.set(planning, services);
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
