/**
 * What is worked out once per (supergraph, document, operation name) and reused by every request
 * for it: the query plan, the plan compiled, and the response shape. Bounded (least recently
 * used out first); a new supergraph starts a new cache, so no entry outlives its schema.
 */
import { operationFromDocument } from "@apollo/federation-internals";
import type { QueryPlan } from "@apollo/query-planner";
import type { DocumentNode } from "graphql";
import type { SupergraphSnapshot } from "../supergraph/snapshot.ts";
import { compilePlan, type CompiledNode } from "./compiled-plan.ts";
import { compileResponseShape, type ResponseShape } from "./response-shape.ts";

export type PreparedOperation =
  | { readonly kind: "native"; readonly plan: QueryPlan; readonly root: CompiledNode | undefined; readonly shape: ResponseShape }
  /** Run by `@apollo/gateway`'s executor; `reason` names why (for the metric and the note). */
  | { readonly kind: "fallback"; readonly reason: string };

export interface PreparedLookup {
  readonly prepared: PreparedOperation;
  readonly hit: boolean;
}

export class PreparedOperations {
  private snapshot: SupergraphSnapshot | undefined;
  private readonly entries = new Map<string, PreparedOperation>();

  constructor(private readonly maxEntries: number) {}

  /** The prepared operation, planning and compiling it on a miss (`plan` runs inside the caller's span). */
  get(snapshot: SupergraphSnapshot, queryHash: string, operationName: string | undefined, document: DocumentNode, inPlanSpan: <T>(run: () => T) => T): PreparedLookup {
    if (snapshot !== this.snapshot) {
      this.snapshot = snapshot;
      this.entries.clear();
    }
    const key = operationName === undefined ? queryHash : `${queryHash}\n${operationName}`;
    const known = this.entries.get(key);
    if (known) {
      // Refreshes its place in the eviction order.
      this.entries.delete(key);
      this.entries.set(key, known);
      return { prepared: known, hit: true };
    }
    const prepared = inPlanSpan(() => prepare(snapshot, document, operationName));
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, prepared);
    return { prepared, hit: false };
  }
}

function prepare(snapshot: SupergraphSnapshot, document: DocumentNode, operationName: string | undefined): PreparedOperation {
  const schema = snapshot.federationApiSchema;
  const plan = snapshot.planner().buildQueryPlan(operationFromDocument(schema, document, { operationName }));
  const compiled = compilePlan(plan, snapshot.supergraphSchema);
  if (compiled.kind === "unsupported") return { kind: "fallback", reason: compiled.reason };
  // Built apart from the one the planner saw, as @apollo/gateway does: planning may normalize its input.
  const shape = compileResponseShape(snapshot.shapeSchema(), operationFromDocument(schema, document, { operationName, validate: false }));
  if (shape.hasSchemaIntrospection) return { kind: "fallback", reason: "introspection" };
  return { kind: "native", plan, root: compiled.root, shape };
}
