/**
 * Shared helpers for the balancing tables: plain targets and a pick counter.
 */
import type { Balancer, BalancerTarget } from "../../../gateway/src/balancing/balancer.ts";

export interface Target extends BalancerTarget {
  url: string;
  weight: number;
  inFlight: number;
}

/** Targets named a, b, c… (url `http://a`) with the given weights and in-flight counts. */
export function targets(weights: readonly number[], inFlight: readonly number[] = []): Target[] {
  return weights.map((weight, i) => ({ url: `http://${String.fromCharCode(97 + i)}`, weight, inFlight: inFlight[i] ?? 0 }));
}

export const everyTarget = (): boolean => true;

/** Picks `n` times and returns each target's share of the picks, by name (a, b, …). */
export function shares<T extends Target>(balancer: Balancer<T>, n: number, eligible: (t: T) => boolean = everyTarget, key?: (i: number) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const picked = balancer.pick(eligible, key?.(i));
    const name = picked ? nameOf(picked) : "none";
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, v / n]));
}

export function nameOf(target: BalancerTarget): string {
  return target.url.replace("http://", "");
}
