/**
 * A second plan source (`operations.planner: hive-rust`): Hive Router's Rust query planner
 * (`@graphql-hive/router-query-planner`, MIT, prebuilt for glibc Linux and macOS), whose plans are
 * translated here into the shape `compilePlan` reads (its batched entity fetches included, and type
 * conditions in flatten paths as `... on A|B` elements). It plans shapes `@apollo/query-planner`
 * 2.14 gets wrong (two subgraphs requiring one field with different arguments). What the
 * translation does not cover (conditional or spread requirements, @defer, subscriptions) is
 * reported as unsupported, and that operation is planned by `@apollo/query-planner` instead.
 *
 * Its requirement fields read `name` from the gathered data and write it as `alias` in the
 * representation (the reverse of Apollo's plans, where both are the response name); the
 * translation keeps that as `source` (see representations.ts).
 */
import { createRequire } from "node:module";
import type { QueryPlan, PlanNode, FetchDataRewrite } from "@apollo/query-planner";
import type { BatchFetchPlanNode } from "./compiled-plan.ts";

type HiveSegment = { Field: string } | { TypeCondition: string[] } | "@";
type HiveRewriteSegment = { Key: string } | { TypenameEquals: string[] };
type HiveRequires =
  | { kind: "Field"; name: string; alias?: string; selections?: HiveRequires[] }
  | { kind: "InlineFragment"; typeCondition: string; selections: HiveRequires[]; skipIf?: string; includeIf?: string }
  | { kind: "FragmentSpread"; value: string };
type HiveRewrite =
  | { ValueSetter: { path: HiveRewriteSegment[]; setValueTo: string } }
  | { KeyRenamer: { path: HiveRewriteSegment[]; renameKeyTo: string } }
  | { kind: "ValueSetter"; path: HiveRewriteSegment[]; setValueTo: string };
type HiveNode =
  | { kind: "Fetch"; serviceName: string; variableUsages?: string[]; operationKind?: string; operationName?: string; operation: string; requires?: HiveRequires[]; inputRewrites?: HiveRewrite[]; outputRewrites?: HiveRewrite[] }
  | { kind: "Sequence" | "Parallel"; nodes: HiveNode[] }
  | { kind: "Flatten"; path: HiveSegment[]; node: HiveNode }
  | { kind: "Condition"; condition: string; ifClause?: HiveNode; elseClause?: HiveNode }
  | {
      kind: "BatchFetch";
      serviceName: string;
      variableUsages?: string[];
      operationName?: string;
      operation: string;
      entityBatch: { aliases: Array<{ alias: string; representationsVariableName: string; paths: HiveSegment[][]; requires: HiveRequires[]; inputRewrites?: HiveRewrite[]; outputRewrites?: HiveRewrite[] }> };
    }
  | { kind: "Subscription" | "Defer" };

interface HivePlanner {
  plan(query: string, operationName: string | null, activeLabels: Set<string>, percentage: number): { kind: "QueryPlan"; node?: HiveNode };
}

export type HivePlan = { readonly kind: "planned"; readonly plan: QueryPlan } | { readonly kind: "unsupported"; readonly reason: string };

/**
 * Loads the native module (at startup, so a platform without a build fails then, with a message
 * naming it). `load` is Node's `require` (a test hands in one that fails as a missing build does).
 */
export function loadHivePlanner(load: (id: string) => unknown = createRequire(import.meta.url)): new (sdl: string) => HivePlanner {
  try {
    return (load("@graphql-hive/router-query-planner") as { QueryPlanner: new (sdl: string) => HivePlanner }).QueryPlanner;
  } catch (e) {
    throw new Error(`operations.planner is "hive-rust" but @graphql-hive/router-query-planner does not load on this platform (it ships glibc Linux and macOS builds): ${(e as Error).message}`);
  }
}

/** The planner for one supergraph. */
export function hivePlanner(supergraphSdl: string): (query: string, operationName: string | undefined) => HivePlan {
  const planner = new (loadHivePlanner())(supergraphSdl);
  return (query, operationName) => {
    const plan = planner.plan(query, operationName ?? null, new Set(), 0);
    try {
      return { kind: "planned", plan: { kind: "QueryPlan", ...(plan.node ? { node: node(plan.node) } : {}) } };
    } catch (e) {
      if (e instanceof Untranslated) return { kind: "unsupported", reason: e.message };
      throw e;
    }
  };
}

class Untranslated extends Error {}

function node(n: HiveNode): PlanNode {
  switch (n.kind) {
    case "Sequence":
    case "Parallel":
      return { kind: n.kind, nodes: n.nodes.map(node) };
    case "Flatten":
      return { kind: "Flatten", path: n.path.map(segment), node: node(n.node) };
    case "Condition":
      return { kind: "Condition", condition: n.condition, ...(n.ifClause ? { ifClause: node(n.ifClause) } : {}), ...(n.elseClause ? { elseClause: node(n.elseClause) } : {}) };
    case "Fetch":
      return {
        kind: "Fetch",
        serviceName: n.serviceName,
        variableUsages: n.variableUsages ?? [],
        operation: n.operation,
        operationName: n.operationName,
        operationKind: (n.operationKind ?? "query") as never,
        ...(n.requires ? { requires: n.requires.map(requirement) as never } : {}),
        ...(n.inputRewrites ? { inputRewrites: n.inputRewrites.map(rewrite) } : {}),
        ...(n.outputRewrites ? { outputRewrites: n.outputRewrites.map(rewrite) } : {}),
      };
    case "BatchFetch": {
      const batch: BatchFetchPlanNode = {
        kind: "BatchFetch",
        serviceName: n.serviceName,
        operation: n.operation,
        operationName: n.operationName,
        variableUsages: n.variableUsages ?? [],
        batches: n.entityBatch.aliases.map((a) => ({
          alias: a.alias,
          variable: a.representationsVariableName,
          paths: a.paths.map((p) => p.map(segment)),
          requires: a.requires.map(requirement),
          ...(a.inputRewrites ? { inputRewrites: a.inputRewrites.map(rewrite) } : {}),
          ...(a.outputRewrites ? { outputRewrites: a.outputRewrites.map(rewrite) } : {}),
        })),
      };
      return batch as unknown as PlanNode;
    }
    default:
      throw new Untranslated(`hive plan node ${n.kind}`);
  }
}

function segment(s: HiveSegment): string {
  if (s === "@") return "@";
  if ("Field" in s) return s.Field;
  // Kept as a path element that filters by __typename (run-plan.ts, subgraph-errors.ts).
  return `... on ${s.TypeCondition.join("|")}`;
}

/** Apollo's requirement shape plus `source`, the gathered data's key when it differs from the representation's. */
function requirement(r: HiveRequires): unknown {
  switch (r.kind) {
    case "Field":
      return {
        kind: "Field",
        name: r.alias ?? r.name,
        ...(r.alias ? { source: r.name } : {}),
        ...(r.selections ? { selections: r.selections.map(requirement) } : {}),
      };
    case "InlineFragment":
      if (r.skipIf || r.includeIf) throw new Untranslated("hive requirement with a condition");
      return { kind: "InlineFragment", typeCondition: r.typeCondition, selections: r.selections.map(requirement) };
    case "FragmentSpread":
      throw new Untranslated("hive requirement with a fragment spread");
  }
}

function rewrite(r: HiveRewrite): FetchDataRewrite {
  const path = (segments: HiveRewriteSegment[]) =>
    segments.map((s) => {
      if ("Key" in s) return s.Key;
      if (s.TypenameEquals.length !== 1) throw new Untranslated("hive rewrite on several types");
      return `... on ${s.TypenameEquals[0]}`;
    });
  if ("ValueSetter" in r) return { kind: "ValueSetter", path: path(r.ValueSetter.path), setValueTo: r.ValueSetter.setValueTo };
  if ("KeyRenamer" in r) return { kind: "KeyRenamer", path: path(r.KeyRenamer.path), renameKeyTo: r.KeyRenamer.renameKeyTo };
  return { kind: "ValueSetter", path: path(r.path), setValueTo: r.setValueTo };
}
