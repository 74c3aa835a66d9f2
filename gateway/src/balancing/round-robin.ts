/**
 * Round-robin: each eligible target in turn, ignoring weights. Starts at a random position so
 * that several gateways started together do not all send their first request to one instance.
 */
import type { Balancer, BalancerTarget } from "./balancer.ts";
import { randomIndex, type RandomSource } from "./random.ts";

export class RoundRobinBalancer<T extends BalancerTarget> implements Balancer<T> {
  readonly algorithm = "round-robin";
  private next: number;

  constructor(
    private readonly targets: readonly T[],
    random: RandomSource,
  ) {
    this.next = targets.length === 0 ? 0 : randomIndex(random, targets.length);
  }

  pick(eligible: (target: T) => boolean): T | undefined {
    const n = this.targets.length;
    for (let i = 0; i < n; i++) {
      const index = (this.next + i) % n;
      const target = this.targets[index]!;
      if (eligible(target)) {
        this.next = (index + 1) % n;
        return target;
      }
    }
    return undefined;
  }
}
