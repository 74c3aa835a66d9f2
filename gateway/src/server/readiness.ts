/**
 * `/readyz`: ready only when the supergraph is loaded and, if configured, every subgraph
 * answers `{ __typename }`. Results are cached briefly so orchestrator probes never hammer
 * the subgraphs, and concurrent probes share one check.
 */
export interface ReadinessReport {
  ready: boolean;
  supergraph: "loaded" | "not-loaded";
  subgraphs: Record<string, "up" | "down">;
}

export interface ReadinessOptions {
  isSupergraphLoaded: () => boolean;
  subgraphNames: () => string[];
  probe: (name: string) => Promise<boolean>;
  checkSubgraphs: boolean;
  cacheMs: number;
  now?: () => number;
}

export function createReadiness(options: ReadinessOptions): () => Promise<ReadinessReport> {
  const now = options.now ?? Date.now;
  let cached: { at: number; report: Promise<ReadinessReport> } | undefined;

  const check = async (): Promise<ReadinessReport> => {
    const loaded = options.isSupergraphLoaded();
    const subgraphs: Record<string, "up" | "down"> = {};
    if (loaded && options.checkSubgraphs) {
      const names = options.subgraphNames();
      const results = await Promise.all(names.map((n) => options.probe(n)));
      names.forEach((n, i) => (subgraphs[n] = results[i] ? "up" : "down"));
    }
    return {
      ready: loaded && Object.values(subgraphs).every((s) => s === "up"),
      supergraph: loaded ? "loaded" : "not-loaded",
      subgraphs,
    };
  };

  return () => {
    const t = now();
    if (!cached || t - cached.at >= options.cacheMs) cached = { at: t, report: check() };
    return cached.report;
  };
}
