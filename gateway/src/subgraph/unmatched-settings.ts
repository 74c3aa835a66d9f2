/**
 * Subgraph entries in the config that name no subgraph of the supergraph. Their settings apply
 * to nothing, silently: a typo (`prodcuts`) or a renamed subgraph would leave the real one on
 * the defaults, `forwardIdentity` and `instances` included. The gateway warns at every load.
 */
import type { Logger } from "../logging/logger.ts";
import { subgraphsOf } from "../supergraph/subgraph-list.ts";

/** Configured names (not `all`) that the supergraph does not declare, in config order. */
export function unmatchedSubgraphNames(configured: Iterable<string>, declared: Iterable<string>): string[] {
  const known = new Set(declared);
  return [...configured].filter((name) => name !== "all" && !known.has(name));
}

/** Logs one warning when the config names subgraphs this supergraph does not have. */
export function warnUnmatchedSubgraphs(configured: Iterable<string>, supergraphSdl: string, logger: Logger): void {
  const declared = subgraphsOf(supergraphSdl).map((s) => s.name);
  const unmatched = unmatchedSubgraphNames(configured, declared);
  if (unmatched.length === 0) return;
  logger.warn({ unmatched, subgraphs: declared }, "the config sets subgraphs the supergraph does not have; their settings apply to nothing");
}
