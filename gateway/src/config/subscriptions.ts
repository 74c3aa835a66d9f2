/**
 * The `subscriptions` section of the gateway config: federated subscriptions served to clients
 * over WebSocket (the `graphql-ws` protocol) and Server-Sent Events on the GraphQL path, with
 * the primary field subscribed upstream over the owning subgraph's WebSocket. Every key has a
 * default, so an absent section means "on, with these limits".
 */
import { z } from "zod";

const positiveMs = z.number().int().positive();
const count = z.number().int().positive();

export const subscriptionsConfigSchema = z.strictObject({
  /** Serve subscriptions at all. Off: WebSocket upgrades are dropped and a subscription over HTTP gets 400 SUBSCRIPTION_OVER_HTTP. Default true. */
  enabled: z.boolean().default(true),
  /** Active subscriptions one WebSocket connection may hold. Default 16. */
  maxPerConnection: count.default(16),
  /** Active subscriptions one consumer (token `sub`, else client address) may hold across connections. Default 100. */
  maxPerConsumer: count.default(100),
  /** A WebSocket with no active subscription for this long is closed (1000, "Idle timeout"). Default 300000 (5 min). */
  idleTimeoutMs: positiveMs.default(300_000),
  /** Largest client message (WebSocket frame or SSE request body), in bytes; larger closes with 1009 or answers 413. Default 65536. */
  maxMessageBytes: count.default(65_536),
  /** Time a new WebSocket has to send `connection_init` before it is closed with 4408. Default 3000. */
  connectionInitTimeoutMs: positiveMs.default(3_000),
  /** Server pings (WebSocket) and comment lines (SSE) at this interval keep intermediaries from cutting idle streams. Default 15000. */
  keepAliveMs: positiveMs.default(15_000),
  /** Events buffered for one slow client before its subscription is ended with SLOW_CONSUMER. Default 100. */
  maxQueuedEvents: count.default(100),
  /** Planned subscription operations remembered per supergraph. Default 200. */
  planCacheEntries: count.default(200),
  /** Re-establishing a dropped upstream subscription: exponential backoff with full jitter. */
  reconnect: z
    .strictObject({
      /** Upper bound of the first delay, in ms. Default 250. */
      initialDelayMs: positiveMs.default(250),
      /** Largest delay between attempts, in ms. Default 5000. */
      maxDelayMs: positiveMs.default(5_000),
      /** Attempts in a row before the clients get SUBGRAPH_UNAVAILABLE and the subscription ends. Default 30. */
      maxAttempts: count.default(30),
    })
    .prefault({}),
});

export type SubscriptionsConfig = z.output<typeof subscriptionsConfigSchema>;
export type SubscriptionsConfigInput = z.input<typeof subscriptionsConfigSchema>;
