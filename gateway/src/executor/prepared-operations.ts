/**
 * What is worked out once per (supergraph, document, operation name) and reused by every request
 * for it: the query plan, the plan compiled, and the response shape. Bounded (least recently
 * used out first); a new supergraph starts a new cache, so no entry outlives its schema.
 */
import { operationFromDocument } from "@apollo/federation-internals";
import type { QueryPlan } from "@apollo/query-planner";
import { BREAK, print, visit, type DocumentNode } from "graphql";
import { hivePlanner } from "./hive-plans.ts";
import { LruCache } from "../auth/lru.ts";
import type { SupergraphSnapshot } from "../supergraph/snapshot.ts";
import { compilePlan, type CompiledNode } from "./compiled-plan.ts";
import { compileResponseShape, type ResponseShape } from "./response-shape.ts";

export type PreparedOperation =
  | {
      readonly kind: "native";
      readonly plan: QueryPlan;
      readonly root: CompiledNode | undefined;
      readonly shape: ResponseShape;
      /** Which planner made `plan` (hive-rust hands what it cannot translate to apollo). */
      readonly plannedBy: PlannerName;
    }
  /** Run by `@apollo/gateway`'s executor; `reason` names why (for the metric and the note). */
  | { readonly kind: "fallback"; readonly reason: string };

export type PlannerName = "apollo" | "hive-rust";

export interface PreparedLookup {
  readonly prepared: PreparedOperation;
  readonly hit: boolean;
}

export class PreparedOperations {
  private snapshot: SupergraphSnapshot | undefined;
  private hive: ReturnType<typeof hivePlanner> | undefined;
  private entries: LruCache<string, PreparedOperation>;

  constructor(
    private readonly maxEntries: number,
    private readonly planner: PlannerName = "apollo",
  ) {
    this.entries = new LruCache(maxEntries);
  }

  /** The prepared operation, planning and compiling it on a miss (`plan` runs inside the caller's span). */
  get(
    snapshot: SupergraphSnapshot,
    queryHash: string,
    operationName: string | undefined,
    document: DocumentNode,
    inPlanSpan: <T>(run: () => T) => T,
    incremental = false,
  ): PreparedLookup {
    if (snapshot !== this.snapshot) {
      this.snapshot = snapshot;
      this.hive = this.planner === "hive-rust" ? hivePlanner(snapshot.gatewaySdl) : undefined;
      this.entries = new LruCache(this.maxEntries);
    }
    // A client that accepts incremental delivery gets @defer planned as Defer nodes: its own entry.
    const deferred = incremental && hasDefer(document);
    const key = `${operationName === undefined ? queryHash : `${queryHash}\n${operationName}`}${deferred ? "\n@defer" : ""}`;
    const known = this.entries.get(key);
    if (known) return { prepared: known, hit: true };
    const prepared = inPlanSpan(() => prepare(snapshot, document, operationName, deferred, this.hive));
    this.entries.set(key, prepared);
    return { prepared, hit: false };
  }
}

function prepare(
  snapshot: SupergraphSnapshot,
  document: DocumentNode,
  operationName: string | undefined,
  deferred: boolean,
  hive: ReturnType<typeof hivePlanner> | undefined,
): PreparedOperation {
  const schema = snapshot.federationApiSchema;
  const fromHive = hive && !deferred ? hive(print(document), operationName) : undefined;
  const plannedBy: PlannerName = fromHive?.kind === "planned" ? "hive-rust" : "apollo";
  const plan =
    fromHive?.kind === "planned" ? fromHive.plan : (deferred ? snapshot.deferPlanner() : snapshot.planner()).buildQueryPlan(operationFromDocument(schema, document, { operationName }));
  // Built apart from the one the planner saw, as @apollo/gateway does: planning may normalize its input.
  const operation = operationFromDocument(schema, document, { operationName, validate: false });
  const compiled = compilePlan(plan, snapshot.supergraphSchema, deferred ? { operation, shapes: snapshot.shapeSchema() } : undefined);
  if (compiled.kind === "unsupported") return { kind: "fallback", reason: compiled.reason };
  const shape = compileResponseShape(snapshot.shapeSchema(), operation);
  if (shape.hasSchemaIntrospection) return { kind: "fallback", reason: "introspection" };
  return { kind: "native", plan, root: compiled.root, shape, plannedBy };
}

/** Per parsed document (the document stage caches them, so a repeated operation is the same object). */
const deferUse = new WeakMap<DocumentNode, boolean>();

/** Whether the document uses `@defer` anywhere: walked once per document, not per request. */
function hasDefer(document: DocumentNode): boolean {
  const known = deferUse.get(document);
  if (known !== undefined) return known;
  const found = usesDefer(document);
  deferUse.set(document, found);
  return found;
}

function usesDefer(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Directive(node) {
      if (node.name.value === "defer") {
        found = true;
        return BREAK;
      }
      return undefined;
    },
  });
  return found;
}
