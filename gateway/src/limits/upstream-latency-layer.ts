/**
 * A subgraph layer that feeds each fetch's duration to the load monitor, for the
 * upstream-latency overload signal. Failures count too: a subgraph timing out is load.
 */
import type { SubgraphLayer } from "../subgraph/types.ts";

export function upstreamLatencyLayer(record: (ms: number) => void): SubgraphLayer {
  return (next) => async (request) => {
    const started = performance.now();
    try {
      return await next(request);
    } finally {
      record(performance.now() - started);
    }
  };
}
