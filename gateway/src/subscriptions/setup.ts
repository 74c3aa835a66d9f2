/**
 * Assembles federated subscriptions from the `subscriptions` config: the planner over the
 * snapshot, the shared upstream hub, the per-consumer limit, and the two client transports
 * (WebSocket upgrade, SSE), both entering the operation pipeline. Assembly only.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { Authenticate } from "../auth/authenticate.ts";
import type { ClientAddressOf } from "../server/client-address.ts";
import type { LimitsConfig } from "../config/limits.ts";
import type { SubscriptionsConfig } from "../config/subscriptions.ts";
import { identifyConsumer } from "../limits/consumer.ts";
import type { Logger } from "../logging/logger.ts";
import type { SubgraphRegistry } from "../subgraph/registry.ts";
import { ConsumerSubscriptionLimit } from "./consumer-limit.ts";
import { SubscriptionPlanner } from "./planner.ts";
import { SubscriptionService } from "./service.ts";
import { createSubscribe } from "./subscribe.ts";
import type { OperationPipeline } from "../pipeline/pipeline.ts";
import type { ErrorShaper } from "../pipeline/error-shaping.ts";
import type { RequestContext } from "../server/context.ts";
import { createEventStreamHandler } from "./sse-handler.ts";
import { UpstreamHub } from "./upstream.ts";
import { createWsServer } from "./ws-server.ts";
import type { OperationObserver } from "../telemetry/request-telemetry.ts";
import type { Execute } from "../execution/gateway-executor.ts";

export { acceptsEventStream } from "./sse-handler.ts";

export interface SubscriptionsDeps {
  pipeline: OperationPipeline;
  /** Runs queries and mutations that arrive over SSE (their answer and @defer parts become events). */
  execute?: Execute;
  registry: SubgraphRegistry;
  logger: Logger;
  graphqlPath: string;
  /** A subgraph's instances in rotation now (balancing health); undefined: use its configured instances. */
  liveUrls: (subgraph: string) => readonly string[] | undefined;
  /** How long a POSTed subscription body may take to arrive. */
  bodyTimeoutMs: number;
  /** The client's address, as the HTTP edge reads it (trusted proxies included). */
  clientAddressOf: ClientAddressOf;
  /** Verifies graphql-ws's `connection_init` credentials (a bad token closes the socket); undefined without an `auth` config. */
  authenticate: Authenticate | undefined;
  /** The consumer settings of `limits`, when configured: subscriptions count against the same consumer. */
  consumers: LimitsConfig["consumers"] | undefined;
  shapeError: ErrorShaper;
  /** Telemetry for each graphql-ws subscription (SSE streams are HTTP requests and get it at the edge). */
  observe: OperationObserver | undefined;
  /** An upstream subscription connection came back after a drop, or gave up (metrics). */
  onUpstreamEvent?: (subgraph: string, event: "reconnected" | "exhausted") => void;
}

export interface SubscriptionsRuntime {
  /** The HTTP server's `upgrade` listener (WebSocket, graphql-ws). */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Serves `Accept: text/event-stream` requests on the GraphQL path. */
  eventStream(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void>;
  /** Open client connections and streams, and upstream subscriptions. */
  stats(): { subscriptions: number; webSocketConnections: number; eventStreams: number; upstreams: number };
  /** Ends every client subscription (WebSocket 1001, SSE SHUTTING_DOWN) and every upstream. */
  close(): Promise<void>;
}

export function setupSubscriptions(config: SubscriptionsConfig, deps: SubscriptionsDeps): SubscriptionsRuntime {
  const logger = deps.logger.child({ component: "subscriptions" });
  const hub = new UpstreamHub({
    logger,
    reconnect: config.reconnect,
    keepAliveMs: config.keepAliveMs,
    ...(deps.onUpstreamEvent ? { onConnectionEvent: deps.onUpstreamEvent } : {}),
  });
  const consumers = deps.consumers;
  const consumerOf = (context: RequestContext): string =>
    consumers ? identifyConsumer(context, consumers).id : context.principal.kind === "user" ? `user:${context.principal.subject}` : `addr:${context.clientAddress}`;

  const service = new SubscriptionService({
    planner: new SubscriptionPlanner(config.planCacheEntries),
    registry: deps.registry,
    liveUrls: deps.liveUrls,
    hub,
    consumerLimit: new ConsumerSubscriptionLimit(config.maxPerConsumer),
    consumerOf,
    maxQueuedEvents: config.maxQueuedEvents,
    shapeError: deps.shapeError,
  });
  const subscribe = createSubscribe(deps.pipeline, service, deps.execute, config.maxQueuedEvents);
  const ws = createWsServer({ subscribe, config, path: deps.graphqlPath, logger, authenticate: deps.authenticate, clientAddressOf: deps.clientAddressOf, observe: deps.observe });
  const sse = createEventStreamHandler({ subscribe, config, logger, clientAddressOf: deps.clientAddressOf, bodyTimeoutMs: deps.bodyTimeoutMs });

  return {
    handleUpgrade: ws.handleUpgrade,
    eventStream: sse,
    stats: () => ({ subscriptions: service.size, webSocketConnections: ws.connections, eventStreams: sse.streams, upstreams: hub.size }),
    close: async () => {
      sse.close();
      await ws.close();
      await hub.close();
    },
  };
}
