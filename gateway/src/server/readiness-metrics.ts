/**
 * Readiness as metrics, read at scrape time: `gateway_ready` (this replica can serve) and
 * `gateway_subgraph_up` per subgraph. A subgraph outage no longer makes a replica unready, so
 * this is where it is alerted on. The subgraph probes share readiness's cache, so scrapes add
 * at most one probe per subgraph per `readiness.cacheMs`.
 */
import { Gauge, type Registry } from "prom-client";
import type { ReadinessReport } from "./readiness.ts";

export function registerReadinessMetrics(registry: Registry | undefined, readiness: () => Promise<ReadinessReport>): void {
  if (!registry) return;
  let latest: Promise<ReadinessReport> | undefined;
  // Both gauges are collected in one scrape: they share one readiness report.
  const report = () => (latest ??= readiness().finally(() => setImmediate(() => (latest = undefined))));
  new Gauge({
    name: "gateway_ready",
    help: "1 when this replica can serve (supergraph loaded, listener up, not draining), as /readyz answers; 0 otherwise.",
    registers: [registry],
    async collect() {
      this.set((await report()).ready ? 1 : 0);
    },
  });
  new Gauge({
    name: "gateway_subgraph_up",
    help: "1 when the subgraph answered the readiness probe `{ __typename }` through its balancer, 0 when it did not (readiness.checkSubgraphs).",
    labelNames: ["subgraph"],
    registers: [registry],
    async collect() {
      this.reset();
      for (const [subgraph, state] of Object.entries((await report()).subgraphs)) this.set({ subgraph }, state === "up" ? 1 : 0);
    },
  });
}
