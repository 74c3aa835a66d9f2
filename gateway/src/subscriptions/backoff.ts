/**
 * How long to wait before re-establishing a dropped upstream subscription: exponential growth
 * from `initialDelayMs`, capped at `maxDelayMs`, with "equal jitter" (half fixed, half random),
 * so many gateways reconnecting to a restarted subgraph spread out instead of arriving together,
 * and no attempt ever fires with no delay at all. Pure: the random source is injected.
 */
export interface BackoffOptions {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

/** The delay before retry number `attempt` (0 for the first retry), in ms. */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(0, Math.floor(attempt)), 30);
  const ceiling = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** exponent);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
