/**
 * The safelist manifest's Prometheus series, on the gateway's registry: reload attempts by
 * result, whether the file on disk is one the gateway refused, and how many operations serve.
 */
import { Counter, Gauge, type Registry } from "prom-client";

export type ManifestReloadResult = "applied" | "unchanged" | "refused";

export interface ManifestMetrics {
  /** After the first load (result undefined) and after every reload attempt. */
  loaded(result: ManifestReloadResult | undefined, operations: number): void;
}

export function manifestMetrics(registry: Registry): ManifestMetrics {
  const reloads = new Counter({
    name: "gateway_manifest_reloads_total",
    help: "Persisted-operations manifest reload attempts by result (applied, unchanged, refused: the previous manifest still serves).",
    labelNames: ["result"] as const,
    registers: [registry],
  });
  const refused = new Gauge({ name: "gateway_manifest_reload_refused", help: "1 while the manifest file holds one the gateway refused (the previous manifest still serves), else 0.", registers: [registry] });
  const size = new Gauge({ name: "gateway_manifest_operations", help: "Operations in the persisted-operations manifest in service.", registers: [registry] });
  refused.set(0);
  return {
    loaded: (result, operations) => {
      if (result) reloads.inc({ result });
      refused.set(result === "refused" ? 1 : 0);
      size.set(operations);
    },
  };
}
