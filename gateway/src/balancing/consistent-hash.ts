/**
 * Consistent hashing on a ring of virtual nodes (ketama's layout): each target owns
 * `weight × pointsPerWeight` points; a key goes to the owner of the first point at or after its
 * hash. Adding or removing one of N targets moves only the keys of that target's arcs, about
 * 1/N of them. An ineligible owner passes its keys on to the next eligible one round the ring,
 * so they return when it does. Requests without a key are spread at random.
 */
import type { Balancer, BalancerTarget } from "./balancer.ts";
import { hash32 } from "./hash.ts";
import { randomIndex, type RandomSource } from "./random.ts";

/** Points per unit of weight: enough that shares stay within a few percent of the weights. */
export const DEFAULT_POINTS_PER_WEIGHT = 160;

export class ConsistentHashBalancer<T extends BalancerTarget> implements Balancer<T> {
  readonly algorithm = "consistent-hash";
  /** Point hashes, ascending, and the index of the target owning each. */
  private readonly hashes: Uint32Array;
  private readonly owners: Uint32Array;

  constructor(
    private readonly targets: readonly T[],
    private readonly random: RandomSource,
    pointsPerWeight = DEFAULT_POINTS_PER_WEIGHT,
  ) {
    const points: Array<{ hash: number; owner: number }> = [];
    targets.forEach((target, owner) => {
      // Points are named by URL, not position, so a target keeps its arcs when others change.
      for (let v = 0; v < target.weight * pointsPerWeight; v++) points.push({ hash: hash32(`${target.url}#${v}`), owner });
    });
    points.sort((a, b) => a.hash - b.hash || a.owner - b.owner);
    this.hashes = Uint32Array.from(points, (p) => p.hash);
    this.owners = Uint32Array.from(points, (p) => p.owner);
  }

  pick(eligible: (target: T) => boolean, key?: string): T | undefined {
    if (key === undefined) {
      const pool = this.targets.filter(eligible);
      return pool.length === 0 ? undefined : pool[randomIndex(this.random, pool.length)];
    }
    const n = this.hashes.length;
    const start = this.firstAtOrAfter(hash32(key));
    const rejected = new Set<number>();
    for (let i = 0; i < n && rejected.size < this.targets.length; i++) {
      const owner = this.owners[(start + i) % n]!;
      if (rejected.has(owner)) continue;
      const target = this.targets[owner]!;
      if (eligible(target)) return target;
      rejected.add(owner);
    }
    return undefined;
  }

  /** Index of the first point whose hash is >= h (wrapping to 0 past the end). */
  private firstAtOrAfter(h: number): number {
    let lo = 0;
    let hi = this.hashes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.hashes[mid]! < h) lo = mid + 1;
      else hi = mid;
    }
    return lo === this.hashes.length ? 0 : lo;
  }
}
