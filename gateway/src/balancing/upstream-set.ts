/**
 * The `UpstreamFactory` the registry uses when balancing is on: builds a `BalancedUpstream` per
 * subgraph and keeps the live ones, so `GET /admin/upstreams` can report them.
 */
import type { Logger } from "../logging/logger.ts";
import type { ResolvedSubgraph, UpstreamFactory } from "../subgraph/registry.ts";
import type { UpstreamMetrics } from "../telemetry/metrics.ts";
import { InstanceTransport } from "../subgraph/transport.ts";
import type { InstanceSender } from "./instance.ts";
import type { RandomSource } from "./random.ts";
import { BalancedUpstream, type UpstreamSnapshot } from "./upstream.ts";

export interface BalancedUpstreamsOptions {
  logger: Logger;
  /** The telemetry's reporting API for instance states and in-flight counts. */
  metrics?: UpstreamMetrics;
  now?: () => number;
  random?: RandomSource;
  /** An instance's transport other than GraphQL over HTTP (a connector subgraph's); undefined: GraphQL. */
  senderFor?: (subgraph: ResolvedSubgraph, url: string) => InstanceSender | undefined;
}

export interface BalancedUpstreams {
  readonly factory: UpstreamFactory;
  /** Every live subgraph upstream, in the order they were built. */
  snapshot(): UpstreamSnapshot[];
  /** A subgraph's instances in rotation now; undefined for a subgraph not built yet. */
  liveUrls(subgraph: string): string[] | undefined;
}

export function createBalancedUpstreams(options: BalancedUpstreamsOptions): BalancedUpstreams {
  const live = new Map<string, BalancedUpstream>();
  const factory: UpstreamFactory = (subgraph) => {
    const upstream = new BalancedUpstream({
      subgraph,
      logger: options.logger,
      createSender: (url): InstanceSender => options.senderFor?.(subgraph, url) ?? new InstanceTransport(url, subgraph.settings),
      ...(options.metrics ? { metrics: options.metrics } : {}),
      ...(options.now ? { now: options.now } : {}),
      ...(options.random ? { random: options.random } : {}),
    });
    live.set(subgraph.name, upstream);
    return {
      call: upstream.call,
      close: async () => {
        if (live.get(subgraph.name) === upstream) live.delete(subgraph.name);
        await upstream.close();
      },
    };
  };
  return { factory, snapshot: () => [...live.values()].map((u) => u.snapshot()), liveUrls: (subgraph) => live.get(subgraph)?.liveUrls() };
}
