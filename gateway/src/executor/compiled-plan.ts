/**
 * A query plan compiled once per (plan, operation): the same tree of nodes, with each fetch's
 * representation writer and rewrites built and each flatten path kept as given. Plans this
 * executor does not run (`@defer`, `@fromContext` rewrites, subscriptions) are reported as such,
 * and the operation goes to `@apollo/gateway`'s executor instead.
 */
import type { FetchDataRewrite, FetchNode, PlanNode, QueryPlan } from "@apollo/query-planner";
import type { DocumentNode, GraphQLSchema } from "graphql";
import type { Operation } from "@apollo/federation-internals";
import { compileDefer, type DeferShape } from "./defer-plan.ts";
import type { ShapeSchema } from "./response-shape.ts";
import { compileRepresentation, compileRepresentationKey, type RepresentationKey, type RepresentationWriter } from "./representations.ts";
import { compileRewrites, type Rewrite } from "./rewrites.ts";

export interface CompiledFetch {
  readonly serviceName: string;
  readonly operation: string;
  readonly operationName: string | undefined;
  readonly document: DocumentNode | undefined;
  readonly variableUsages: readonly string[];
  /** Present for entity fetches (`_entities(representations:)`). */
  readonly representation: RepresentationWriter | undefined;
  /** Names an entity's representation without writing it, for the usual requirement shape (no input rewrites). */
  readonly representationKey: RepresentationKey | undefined;
  readonly inputRewrite: Rewrite | undefined;
  readonly outputRewrite: Rewrite | undefined;
}

export type CompiledNode =
  | { readonly kind: "Sequence"; readonly nodes: readonly CompiledNode[] }
  | { readonly kind: "Parallel"; readonly nodes: readonly CompiledNode[] }
  | { readonly kind: "Flatten"; readonly path: ReadonlyArray<string | number>; readonly node: CompiledNode }
  | { readonly kind: "Fetch"; readonly fetch: CompiledFetch }
  | { readonly kind: "Condition"; readonly variable: string; readonly ifClause: CompiledNode | undefined; readonly elseClause: CompiledNode | undefined }
  /** Several entity lists in one request (only in plans from Hive's planner, hive-plans.ts). */
  | {
      readonly kind: "BatchFetch";
      readonly serviceName: string;
      readonly operation: string;
      readonly operationName: string | undefined;
      readonly variableUsages: readonly string[];
      readonly batches: ReadonlyArray<{ readonly alias: string; readonly variable: string; readonly paths: ReadonlyArray<ReadonlyArray<string>>; readonly fetch: CompiledFetch }>;
    }
  /** Only at the top of a plan (under Conditions) or as a deferred part's plan; never inside fetch groups. */
  | { readonly kind: "Defer"; readonly defer: DeferShape };

/** What compiling `Defer` nodes needs: the client's operation and the API schema's shapes. */
export interface DeferContext {
  readonly operation: Operation;
  readonly shapes: ShapeSchema;
}

export type PlanCompilation = { readonly kind: "compiled"; readonly root: CompiledNode | undefined } | { readonly kind: "unsupported"; readonly reason: string };

export function compilePlan(plan: QueryPlan, supergraphSchema: GraphQLSchema, defer?: DeferContext): PlanCompilation {
  if (!plan.node) return { kind: "compiled", root: undefined };
  if (plan.node.kind === "Subscription") return { kind: "unsupported", reason: "subscription" };
  try {
    return { kind: "compiled", root: compileTop(plan.node, supergraphSchema, defer) };
  } catch (e) {
    if (e instanceof Unsupported) return { kind: "unsupported", reason: e.message };
    throw e;
  }
}

class Unsupported extends Error {}

/** The top of a plan: Conditions over a Defer, or any other node. */
function compileTop(node: PlanNode, schema: GraphQLSchema, defer: DeferContext | undefined): CompiledNode {
  if (node.kind === "Condition") {
    return {
      kind: "Condition",
      variable: node.condition,
      ifClause: node.ifClause ? compileTop(node.ifClause, schema, defer) : undefined,
      elseClause: node.elseClause ? compileTop(node.elseClause, schema, defer) : undefined,
    };
  }
  if (node.kind === "Defer") {
    if (!defer) throw new Unsupported("defer");
    const root = defer.operation.schema().schemaDefinition.rootType(defer.operation.rootKind)!;
    return { kind: "Defer", defer: compileDefer(node, root, defer.operation, defer.shapes, (n) => compileNode(n, schema)) };
  }
  return compileNode(node, schema);
}

function compileNode(node: PlanNode, schema: GraphQLSchema): CompiledNode {
  switch (node.kind) {
    case "Sequence":
    case "Parallel":
      return { kind: node.kind, nodes: node.nodes.map((n) => compileNode(n, schema)) };
    case "Flatten":
      return { kind: "Flatten", path: node.path, node: compileNode(node.node, schema) };
    case "Fetch":
      return { kind: "Fetch", fetch: compileFetch(node, schema) };
    case "Condition":
      return {
        kind: "Condition",
        variable: node.condition,
        ifClause: node.ifClause ? compileNode(node.ifClause, schema) : undefined,
        elseClause: node.elseClause ? compileNode(node.elseClause, schema) : undefined,
      };
    case "Defer":
      throw new Unsupported("defer");
    default: {
      const batch = node as unknown as BatchFetchPlanNode;
      if (batch.kind !== "BatchFetch") throw new Unsupported(`plan node ${(node as { kind: string }).kind}`);
      return {
        kind: "BatchFetch",
        serviceName: batch.serviceName,
        operation: batch.operation,
        operationName: batch.operationName,
        variableUsages: batch.variableUsages,
        batches: batch.batches.map((b) => ({
          alias: b.alias,
          variable: b.variable,
          paths: b.paths,
          fetch: compileFetch(
            { kind: "Fetch", serviceName: batch.serviceName, operation: "", operationName: undefined, operationKind: "query" as never, requires: b.requires as never, inputRewrites: b.inputRewrites, outputRewrites: b.outputRewrites },
            schema,
          ),
        })),
      };
    }
  }
}

/** Hive's batched entity fetch, as hive-plans.ts hands it over (paths as Apollo-style strings). */
export interface BatchFetchPlanNode {
  readonly kind: "BatchFetch";
  readonly serviceName: string;
  readonly operation: string;
  readonly operationName: string | undefined;
  readonly variableUsages: string[];
  readonly batches: Array<{ alias: string; variable: string; paths: string[][]; requires: unknown[]; inputRewrites?: FetchDataRewrite[]; outputRewrites?: FetchDataRewrite[] }>;
}

function compileFetch(fetch: FetchNode, schema: GraphQLSchema): CompiledFetch {
  if (fetch.contextRewrites && fetch.contextRewrites.length > 0) throw new Unsupported("context rewrites");
  if (fetch.hasDefers) throw new Unsupported("defer");
  return {
    serviceName: fetch.serviceName,
    operation: fetch.operation,
    operationName: fetch.operationName,
    document: fetch.operationDocumentNode,
    variableUsages: fetch.variableUsages ?? [],
    representation: fetch.requires ? compileRepresentation(schema, fetch.requires) : undefined,
    representationKey: fetch.requires && !fetch.inputRewrites?.length ? compileRepresentationKey(schema, fetch.requires) : undefined,
    inputRewrite: compileRewrites(schema, fetch.inputRewrites),
    outputRewrite: compileRewrites(schema, fetch.outputRewrites),
  };
}
