/**
 * Turns per-round samples into one row per target and query, with ratios to the baseline
 * measured in the same run. Per-request figures pool all rounds (total CPU over total
 * requests); throughput and latencies are the mean of the rounds.
 */
import type { Sample } from "./measure.ts";

export interface Row {
  query: string;
  target: string;
  label: string;
  kind: "gateway" | "floor";
  /** `ok`, or `unavailable: <reason>` when it could not be started. */
  status: string;
  /** From the pre-load equality check: `reference`, `same` or `MISMATCH: …`. */
  sameData: string;
  responseBytes: number;
  rounds: number;
  /** Completed requests over all rounds. */
  requests: number;
  /** Fewer completed requests than connections × rounds × 4: the window was too short for stable numbers. */
  thin: boolean;
  rps: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
  errors: number;
  cpuMsPerRequest: number | null;
  peakRssMb: number | null;
  subgraphRequestsPerRequest: number | null;
  /** Share of one core the lean subgraphs used; near 100% means the load core, not the gateway, limited throughput. */
  subgraphCorePct: number | null;
  /** This row divided by the baseline's row for the same query (null when either is missing). */
  ratios: { rps: number | null; cpuPerRequest: number | null; p50: number | null; p99: number | null; peakRss: number | null };
}

export interface RowSeed {
  query: string;
  target: string;
  label: string;
  /** `floor` is a subgraph called directly, the lower bound a gateway adds to. */
  kind: "gateway" | "floor";
  status: string;
  sameData: string;
  responseBytes: number;
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
const ratio = (a: number | null, b: number | null) => (a === null || b === null || b === 0 ? null : a / b);

export function aggregate(seeds: RowSeed[], samples: Sample[], baseline: string): Row[] {
  const rows = seeds.map((seed): Row => {
    const mine = samples.filter((s) => s.target === seed.target && s.query === seed.query);
    const requests = mine.reduce((a, s) => a + s.requests, 0);
    // Abandoned in-flight requests were finished by the gateway inside the window (see measure.ts).
    const served = requests + mine.reduce((a, s) => a + s.abandoned, 0);
    const cpu = mine.every((s) => s.gatewayCpuMs !== null) && served > 0 ? mine.reduce((a, s) => a + (s.gatewayCpuMs ?? 0), 0) / served : null;
    const rss = mine.map((s) => s.peakRssBytes).filter((x): x is number => x !== null);
    const seconds = mine.reduce((a, s) => a + s.durationS, 0);
    return {
      ...seed,
      rounds: mine.length,
      requests,
      thin: mine.length > 0 && requests < mine.reduce((a, s) => a + s.abandoned, 0) * 4,
      rps: mean(mine.map((s) => s.rps)),
      p50Ms: mean(mine.map((s) => s.p50Ms)),
      p99Ms: mean(mine.map((s) => s.p99Ms)),
      errors: mine.reduce((a, s) => a + s.non2xx + s.socketErrors, 0),
      cpuMsPerRequest: mine.length ? cpu : null,
      peakRssMb: rss.length ? Math.max(...rss) / 1_048_576 : null,
      subgraphRequestsPerRequest: served > 0 ? mine.reduce((a, s) => a + s.subgraphRequests, 0) / served : null,
      subgraphCorePct: seconds > 0 ? (mine.reduce((a, s) => a + s.subgraphCpuMs, 0) / (seconds * 1000)) * 100 : null,
      ratios: { rps: null, cpuPerRequest: null, p50: null, p99: null, peakRss: null },
    };
  });
  for (const row of rows) {
    const base = rows.find((r) => r.query === row.query && r.target === baseline);
    if (!base || base.rounds === 0 || row.rounds === 0) continue;
    row.ratios = {
      rps: ratio(row.rps, base.rps),
      cpuPerRequest: ratio(row.cpuMsPerRequest, base.cpuMsPerRequest),
      p50: ratio(row.p50Ms, base.p50Ms),
      p99: ratio(row.p99Ms, base.p99Ms),
      peakRss: ratio(row.peakRssMb, base.peakRssMb),
    };
  }
  return rows;
}
