/**
 * Cost estimates remembered per document, operation and variables. The estimate is a pure
 * function of those and of the supergraph's cost directives, and the same few operations
 * arrive over and over: walking the document again for each request was the largest cost the
 * limits added once executions are shared. Bounded per document; a reload (new directives)
 * and a document the server no longer holds drop their entries with them (weak maps).
 */
import type { DocumentNode } from "graphql";
import { LruCache } from "../auth/lru.ts";
import { canonicalJson } from "../subgraph/canonical-json.ts";
import type { CostDirectives } from "./cost-directives.ts";
import { estimateCost, type CostEstimate, type CostInput } from "./cost-estimator.ts";

/** Something worked out once per (cost directives, document, operation, variables), kept as EstimateCache keeps estimates. */
export class PerOperation<T> {
  private readonly byDirectives = new WeakMap<CostDirectives, WeakMap<DocumentNode, LruCache<string, T>>>();

  constructor(
    private readonly compute: (input: CostInput) => T,
    private readonly perDocument = 32,
  ) {}

  /** Callers must keep the cost options fixed for one cache (one per limits plugin). */
  get(input: CostInput): T {
    let documents = this.byDirectives.get(input.directives);
    if (!documents) this.byDirectives.set(input.directives, (documents = new WeakMap()));
    let entries = documents.get(input.document);
    if (!entries) documents.set(input.document, (entries = new LruCache(this.perDocument)));
    const key = `${input.operation.name?.value ?? ""}\n${canonicalJson(input.variables)}`;
    const known = entries.get(key);
    if (known !== undefined) return known;
    const value = this.compute(input);
    entries.set(key, value);
    return value;
  }
}

export class EstimateCache {
  private readonly estimates: PerOperation<CostEstimate>;

  /** `perDocument`: distinct operation-and-variables entries kept per document. */
  constructor(perDocument = 32) {
    this.estimates = new PerOperation(estimateCost, perDocument);
  }

  /** Callers must keep the cost options fixed for one cache (one per limits plugin). */
  estimate(input: CostInput): CostEstimate {
    return this.estimates.get(input);
  }
}
