/**
 * Builds the configured algorithm over a subgraph's instances.
 */
import type { Balancer, BalancerAlgorithm, BalancerTarget } from "./balancer.ts";
import { ConsistentHashBalancer } from "./consistent-hash.ts";
import { LeastOutstandingBalancer } from "./least-outstanding.ts";
import type { RandomSource } from "./random.ts";
import { RoundRobinBalancer } from "./round-robin.ts";
import { WeightedRoundRobinBalancer } from "./weighted-round-robin.ts";

export function createBalancer<T extends BalancerTarget>(algorithm: BalancerAlgorithm, targets: readonly T[], random: RandomSource): Balancer<T> {
  switch (algorithm) {
    case "round-robin":
      return new RoundRobinBalancer(targets, random);
    case "weighted-round-robin":
      return new WeightedRoundRobinBalancer(targets);
    case "least-outstanding":
      return new LeastOutstandingBalancer(targets, random);
    case "consistent-hash":
      return new ConsistentHashBalancer(targets, random);
  }
}
