/**
 * `/readyz`: whether this replica can serve: the supergraph is loaded, the listener is up and
 * the gateway is not draining. Subgraph health is reported beside it but does not decide it
 * (unless `readiness.requireSubgraphs`): when every instance of one subgraph is down, every
 * replica sees the same outage, and a load balancer that took them all out would turn partial
 * answers (the other subgraphs' data, with errors for the missing one) into no answers at all.
 * Results are cached briefly so orchestrator probes never hammer the subgraphs, and concurrent
 * probes share one check.
 */
export interface ReadinessReport {
  ready: boolean;
  supergraph: "loaded" | "not-loaded";
  listener: "up" | "down";
  draining: boolean;
  /** Each subgraph's answer to `{ __typename }`; empty when subgraphs are not checked. */
  subgraphs: Record<string, "up" | "down">;
}

export interface ReadinessOptions {
  isSupergraphLoaded: () => boolean;
  isListening: () => boolean;
  isDraining: () => boolean;
  subgraphNames: () => string[];
  probe: (name: string) => Promise<boolean>;
  /** Probe the subgraphs for the report's detail (and the metrics). */
  checkSubgraphs: boolean;
  /** A subgraph that does not answer makes this replica not ready (the old behaviour; needs checkSubgraphs). */
  requireSubgraphs: boolean;
  cacheMs: number;
  now?: () => number;
}

export function createReadiness(options: ReadinessOptions): () => Promise<ReadinessReport> {
  const now = options.now ?? Date.now;
  let cached: { at: number; subgraphs: Promise<Record<string, "up" | "down">> } | undefined;

  const probeSubgraphs = async (): Promise<Record<string, "up" | "down">> => {
    const subgraphs: Record<string, "up" | "down"> = {};
    const names = options.subgraphNames();
    const results = await Promise.all(names.map((n) => options.probe(n)));
    names.forEach((n, i) => (subgraphs[n] = results[i] ? "up" : "down"));
    return subgraphs;
  };

  return async () => {
    // The replica's own state is read on every call; only the subgraph probes are cached.
    const loaded = options.isSupergraphLoaded();
    const listening = options.isListening();
    const draining = options.isDraining();
    let subgraphs: Record<string, "up" | "down"> = {};
    if (loaded && options.checkSubgraphs) {
      const t = now();
      if (!cached || t - cached.at >= options.cacheMs) cached = { at: t, subgraphs: probeSubgraphs() };
      subgraphs = await cached.subgraphs;
    }
    const subgraphsOk = !options.requireSubgraphs || Object.values(subgraphs).every((s) => s === "up");
    return {
      ready: loaded && listening && !draining && subgraphsOk,
      supergraph: loaded ? "loaded" : "not-loaded",
      listener: listening ? "up" : "down",
      draining,
      subgraphs,
    };
  };
}
