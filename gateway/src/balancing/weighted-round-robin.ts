/**
 * Smooth weighted round-robin, nginx's algorithm (ngx_http_upstream_get_peer): every pick adds
 * each eligible target's weight to its running score, takes the highest score, and subtracts
 * the total weight from the winner. Weights 5,1,1 give a a b a c a a: the heavy target's share
 * is spread through the cycle instead of sent in a burst.
 */
import type { Balancer, BalancerTarget } from "./balancer.ts";

export class WeightedRoundRobinBalancer<T extends BalancerTarget> implements Balancer<T> {
  readonly algorithm = "weighted-round-robin";
  /** Running score per target, by index. Ineligible targets keep theirs until they return. */
  private readonly current: number[];

  constructor(private readonly targets: readonly T[]) {
    this.current = targets.map(() => 0);
  }

  pick(eligible: (target: T) => boolean): T | undefined {
    let total = 0;
    let best = -1;
    for (let i = 0; i < this.targets.length; i++) {
      const target = this.targets[i]!;
      if (!eligible(target)) continue;
      this.current[i]! += target.weight;
      total += target.weight;
      if (best === -1 || this.current[i]! > this.current[best]!) best = i;
    }
    if (best === -1) return undefined;
    this.current[best]! -= total;
    return this.targets[best];
  }
}
