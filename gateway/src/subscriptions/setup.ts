/**
 * Assembles federated subscriptions from the `subscriptions` config: the planner over the loaded
 * supergraph, the shared upstream hub, authorization and rate limits at subscribe time, the
 * per-consumer limit, and the two client transports (WebSocket upgrade, SSE). Assembly only.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { Authenticate } from "../auth/authenticate.ts";
import type { ClientAddressOf } from "../server/client-address.ts";
import type { AuthConfig } from "../config/auth.ts";
import type { LimitsConfig } from "../config/limits.ts";
import type { SubscriptionsConfig } from "../config/subscriptions.ts";
import { identifyConsumer } from "../limits/consumer.ts";
import type { LoadFactor } from "../limits/load-factor.ts";
import type { LimiterStore } from "../limits/store.ts";
import type { Logger } from "../logging/logger.ts";
import type { SubgraphRegistry } from "../subgraph/registry.ts";
import type { FileSupergraphSource } from "../supergraph/file-source.ts";
import { createAuthorizer } from "./authorize.ts";
import { ConsumerSubscriptionLimit } from "./consumer-limit.ts";
import { SubscriptionPlanner } from "./planner.ts";
import { createSubscribeRateLimiter } from "./rate-limit.ts";
import { SubscriptionService, type SubscribeRequest } from "./service.ts";
import { createEventStreamHandler } from "./sse-handler.ts";
import { UpstreamHub } from "./upstream.ts";
import { createWsServer } from "./ws-server.ts";

export { acceptsEventStream } from "./sse-handler.ts";

export interface SubscriptionsDeps {
  supergraph: FileSupergraphSource;
  registry: SubgraphRegistry;
  logger: Logger;
  graphqlPath: string;
  /** A subgraph's instances in rotation now (balancing health); undefined: use its configured instances. */
  liveUrls: (subgraph: string) => readonly string[] | undefined;
  /** How long a POSTed subscription body may take to arrive. */
  bodyTimeoutMs: number;
  /** The client's address, as the HTTP edge reads it (trusted proxies included). */
  clientAddressOf: ClientAddressOf;
  /** The edge authenticator; undefined without an `auth` config (every caller anonymous). */
  authenticate: Authenticate | undefined;
  auth: AuthConfig | undefined;
  /** The rate-limit runtime's pieces; undefined without a `limits` config. */
  limits: { config: LimitsConfig; store: LimiterStore; load: LoadFactor } | undefined;
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
  const gatewaySdl = () => deps.supergraph.loaded?.gatewaySdl;
  const sdl = () => deps.supergraph.loaded?.sdl;
  const hub = new UpstreamHub({ logger, reconnect: config.reconnect, keepAliveMs: config.keepAliveMs });
  const limits = deps.limits;
  const consumerOf = (request: SubscribeRequest): string =>
    limits
      ? identifyConsumer(request, limits.config.consumers).id
      : request.principal.kind === "user"
        ? `user:${request.principal.subject}`
        : `addr:${request.clientAddress}`;

  const service = new SubscriptionService({
    planner: new SubscriptionPlanner(config.planCacheEntries),
    gatewaySdl,
    registry: deps.registry,
    liveUrls: deps.liveUrls,
    hub,
    authorize: createAuthorizer(deps.auth, sdl),
    rateLimit: limits ? createSubscribeRateLimiter(limits.config, { store: limits.store, load: limits.load, sdl, logger }) : undefined,
    consumerLimit: new ConsumerSubscriptionLimit(config.maxPerConsumer),
    consumerOf,
    maxQueuedEvents: config.maxQueuedEvents,
  });
  const ws = createWsServer({ service, config, path: deps.graphqlPath, logger, authenticate: deps.authenticate, clientAddressOf: deps.clientAddressOf });
  const sse = createEventStreamHandler({ service, config, logger, authenticate: deps.authenticate, clientAddressOf: deps.clientAddressOf, bodyTimeoutMs: deps.bodyTimeoutMs });

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
