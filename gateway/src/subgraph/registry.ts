/**
 * Builds and owns one data source per subgraph: merges the `all` settings with the
 * subgraph's own, composes the layer pipeline over the transport, and closes every pool
 * on shutdown. `@apollo/gateway` asks for a data source through `buildService`.
 */
import { PROBE_HEADER } from "../balancing/health-check.ts";
import type { InstanceConfig } from "../config/balancing.ts";
import { applyOverride } from "../config/overrides.ts";
import type { GatewayConfig, SubgraphSettings } from "../config/schema.ts";
import type { Logger } from "../logging/logger.ts";
import { SubgraphDataSource } from "./data-source.ts";
import { InstanceTransport } from "./transport.ts";
import { composeLayers, type SubgraphCall, type SubgraphLayer } from "./types.ts";

/** A subgraph's resolved settings: the `all` block overridden by its own entry. */
export interface ResolvedSubgraph {
  readonly name: string;
  /** The routing URL from the supergraph, unless config replaced it. */
  readonly url: string;
  /** The configured instances; default `url` as the one instance. */
  readonly instances: readonly InstanceConfig[];
  readonly settings: SubgraphSettings;
}

/** Creates the call that reaches a subgraph's instances (one instance here; balancing replaces this). */
export type UpstreamFactory = (subgraph: ResolvedSubgraph) => { call: SubgraphCall; close(): Promise<void> };

export interface SubgraphRegistryOptions {
  config: GatewayConfig;
  logger: Logger;
  /** Layers around every subgraph call, outermost first. */
  layers?: (subgraph: ResolvedSubgraph) => SubgraphLayer[];
  upstream?: UpstreamFactory;
}

export const singleInstanceUpstream: UpstreamFactory = (subgraph) => {
  const transport = new InstanceTransport(subgraph.url, subgraph.settings);
  return { call: (request) => transport.send(request), close: () => transport.close() };
};

export class SubgraphRegistry {
  private readonly entries = new Map<string, { url: string; dataSource: SubgraphDataSource; call: SubgraphCall; close(): Promise<void> }>();

  constructor(private readonly options: SubgraphRegistryOptions) {}

  resolve(name: string, routingUrl: string): ResolvedSubgraph {
    const { all, ...own } = this.options.config.subgraphs;
    const { url, instances, ...override } = own[name] ?? {};
    const settings = applyOverride<SubgraphSettings>(all, override);
    const single = url ?? routingUrl;
    return { name, url: single, instances: instances ?? [{ url: single, weight: 1 }], settings };
  }

  /** `ApolloGateway`'s `buildService`: reuses the data source while the URL is unchanged. */
  dataSourceFor(name: string, routingUrl: string): SubgraphDataSource {
    const existing = this.entries.get(name);
    if (existing && existing.url === routingUrl) return existing.dataSource;
    if (existing) void existing.close();
    const subgraph = this.resolve(name, routingUrl);
    const upstream = (this.options.upstream ?? singleInstanceUpstream)(subgraph);
    const call = composeLayers(this.options.layers?.(subgraph) ?? [], upstream.call);
    const dataSource = new SubgraphDataSource({
      name,
      call,
      propagateHeaders: subgraph.settings.propagateHeaders,
      forwardIdentity: subgraph.settings.forwardIdentity,
      logger: this.options.logger,
    });
    this.entries.set(name, { url: routingUrl, dataSource, call, close: upstream.close });
    return dataSource;
  }

  /** Sends `{ __typename }` to a subgraph through its full pipeline; true when it answers with data. */
  async probe(name: string, timeoutMs: number): Promise<boolean> {
    const entry = this.entries.get(name);
    if (!entry) return false;
    try {
      const response = await entry.call({
        subgraph: name,
        operationKind: "query",
        body: { query: "query __GatewayReadiness__ { __typename }" },
        headers: { "content-type": "application/json", accept: "application/json", [PROBE_HEADER]: "readiness" },
        context: undefined,
        signal: AbortSignal.timeout(timeoutMs),
      });
      return response.body.data != null;
    } catch {
      return false;
    }
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  async close(): Promise<void> {
    await Promise.all([...this.entries.values()].map((e) => e.close()));
    this.entries.clear();
  }
}
