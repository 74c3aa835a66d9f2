/**
 * The usage feature's Prometheus series, on the gateway's registry: deprecated coordinates
 * executed per client, and the reload guard's state. Client names are chosen by clients, so they
 * pass through `BoundedLabels`; coordinates come from the schema.
 */
import { Counter, Gauge, type Registry } from "prom-client";
import { BoundedLabels } from "../telemetry/bounded-labels.ts";
import type { ClientId } from "./store.ts";

export type GuardOutcome = "passed" | "held" | "warned" | "forced";

export interface UsageMetrics {
  deprecated(coordinates: readonly string[], client: ClientId): void;
  guard(outcome: GuardOutcome, holding: boolean): void;
}

const maxClientNames = 50;

export function createUsageMetrics(registry: Registry): UsageMetrics {
  const clients = new BoundedLabels([], maxClientNames);
  const deprecated = new Counter({
    name: "gateway_deprecated_usage_total",
    help: "Executions that touched a @deprecated field, argument, input field or enum value, by coordinate and client name",
    labelNames: ["coordinate", "client_name"] as const,
    registers: [registry],
  });
  const checks = new Counter({
    name: "gateway_supergraph_reload_guard_total",
    help: "Supergraph changes the reload guard checked, by outcome (passed, held, warned, forced)",
    labelNames: ["outcome"] as const,
    registers: [registry],
  });
  const held = new Gauge({
    name: "gateway_supergraph_reload_held",
    help: "1 while the reload guard keeps the old supergraph because the new one would break recent operations",
    registers: [registry],
  });
  held.set(0);
  return {
    deprecated: (coordinates, client) => {
      const name = clients.label(client.name || "(unnamed)");
      for (const coordinate of coordinates) deprecated.inc({ coordinate, client_name: name });
    },
    guard: (outcome, holding) => {
      checks.inc({ outcome });
      held.set(holding ? 1 : 0);
    },
  };
}
