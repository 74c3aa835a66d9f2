/**
 * Least outstanding requests by the power of two random choices: draw two distinct eligible
 * targets at random in proportion to their weights, send to the one with fewer requests in
 * flight per unit of weight. On a tie the first draw wins, so an idle cluster is spread by
 * weight, and a slow instance (whose requests pile up) loses nearly every comparison.
 */
import type { Balancer, BalancerTarget } from "./balancer.ts";
import type { RandomSource } from "./random.ts";

export class LeastOutstandingBalancer<T extends BalancerTarget> implements Balancer<T> {
  readonly algorithm = "least-outstanding";

  constructor(
    private readonly targets: readonly T[],
    private readonly random: RandomSource,
  ) {}

  pick(eligible: (target: T) => boolean): T | undefined {
    const pool = this.targets.filter(eligible);
    if (pool.length <= 1) return pool[0];
    const first = this.draw(pool, undefined);
    const second = this.draw(pool, first);
    return load(second) < load(first) ? second : first;
  }

  /** A weighted random draw from `pool`, never `except`. */
  private draw(pool: readonly T[], except: T | undefined): T {
    let total = 0;
    for (const t of pool) if (t !== except) total += t.weight;
    let point = this.random() * total;
    let last = pool[0]!;
    for (const t of pool) {
      if (t === except) continue;
      last = t;
      point -= t.weight;
      if (point < 0) return t;
    }
    return last; // floating-point rounding at the very end of the range
  }
}

function load(target: BalancerTarget): number {
  return target.inFlight / target.weight;
}
