/**
 * The limits feature's own gauges and counters, registered on the telemetry registry (the
 * per-request decisions and the cost histogram go through telemetry's request record). With
 * metrics off every method is a no-op.
 */
import { Counter, Gauge, type Registry } from "prom-client";

export interface LimitsMetrics {
  /** The current dynamic load factor (1: full limits). */
  loadFactor(factor: number): void;
  /** A limiter store call failed, and what was done about it (`allow`, `deny`, `local`). */
  storeError(action: string): void;
}

export const noLimitsMetrics: LimitsMetrics = { loadFactor: () => {}, storeError: () => {} };

export function limitsMetrics(registry: Registry | undefined): LimitsMetrics {
  if (!registry) return noLimitsMetrics;
  const factor = new Gauge({
    name: "gateway_rate_limit_load_factor",
    help: "Factor every rate limit is multiplied by: 1 at normal load, lower while the gateway is overloaded.",
    registers: [registry],
  });
  const storeErrors = new Counter({
    name: "gateway_rate_limit_store_errors_total",
    help: "Limiter store (Redis) calls that failed, by the action taken (allow, deny, local).",
    labelNames: ["action"],
    registers: [registry],
  });
  factor.set(1);
  return {
    loadFactor: (value) => factor.set(value),
    storeError: (action) => storeErrors.inc({ action }),
  };
}
