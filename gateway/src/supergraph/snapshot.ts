/**
 * Everything derived from one supergraph, built once per load and never changed: the API schema
 * clients are validated against, the authorization requirements and cost directives read from the
 * composed SDL (which `@apollo/gateway`'s API schema drops), the federation schemas the planners
 * use, and the caches whose entries are only valid for this schema (parsed-and-validated
 * documents). A reload builds a new snapshot and swaps it in one assignment; a request keeps the
 * snapshot it started with, so no stage ever sees two supergraphs.
 */
import { createHash } from "node:crypto";
import { Supergraph, type Schema } from "@apollo/federation-internals";
import { QueryPlanner } from "@apollo/query-planner";
import type { GraphQLSchema } from "graphql";
import { readAuthRequirements, type AuthRequirements } from "../auth/requirements.ts";
import { costDirectivesFrom, type CostDirectives } from "../limits/cost-directives.ts";
import { ShapeSchema } from "../executor/response-shape.ts";
import { buildConnectorRuntime, type ConnectorRuntime } from "../connectors/runtime.ts";
import { buildGrpcRuntime, type GrpcRuntime } from "../grpc/runtime.ts";
import type { LoadedSupergraph } from "./file-source.ts";

export interface SupergraphSnapshot {
  /** The SDL as composed (our directive readers read it). */
  readonly sdl: string;
  /** The copy `@apollo/gateway` loads (SECURITY purposes removed). */
  readonly gatewaySdl: string;
  /** SHA-256 of the SDL: names this snapshot in cache keys. */
  readonly hash: string;
  /** The client-facing schema, built the way `@apollo/gateway` builds its own. */
  readonly apiSchema: GraphQLSchema;
  readonly federationApiSchema: Schema;
  /** The supergraph as a graphql-js schema, for the plan executor. */
  readonly supergraphSchema: GraphQLSchema;
  readonly federationSupergraph: Supergraph;
  /** Routing URL per subgraph name. */
  readonly subgraphUrls: ReadonlyMap<string, string>;
  readonly authRequirements: AuthRequirements;
  readonly costDirectives: CostDirectives;
  /** The connector subgraphs, made executable, by subgraph name (connectors/runtime.ts). */
  readonly connectors: ReadonlyMap<string, ConnectorRuntime>;
  /** The gRPC subgraphs, made executable, by subgraph name (grpc/runtime.ts). */
  readonly grpc: ReadonlyMap<string, GrpcRuntime>;
  /** The query planner over this supergraph, built on first use. */
  planner(): QueryPlanner;
  /** The planner with incremental delivery on (`@defer` becomes Defer nodes), for clients that accept it; built on first use. */
  deferPlanner(): QueryPlanner;
  /** The API schema's types as the executor's response shaping reads them, built on first use. */
  shapeSchema(): ShapeSchema;
}

export function buildSnapshot(loaded: LoadedSupergraph): SupergraphSnapshot {
  const supergraph = Supergraph.build(loaded.gatewaySdl);
  const federationApiSchema = supergraph.apiSchema();
  const subgraphUrls = new Map<string, string>();
  for (const subgraph of supergraph.subgraphs()) subgraphUrls.set(subgraph.name, subgraph.url);
  let planner: QueryPlanner | undefined;
  let shapeSchema: ShapeSchema | undefined;
  let deferPlanner: QueryPlanner | undefined;
  return Object.freeze({
    sdl: loaded.sdl,
    gatewaySdl: loaded.gatewaySdl,
    hash: createHash("sha256").update(loaded.sdl).digest("hex"),
    // With @defer defined, so documents using it validate; it is honoured for clients that read incremental delivery.
    apiSchema: federationApiSchema.toGraphQLJSSchema({ includeDefer: true }),
    federationApiSchema,
    supergraphSchema: supergraph.schema.toGraphQLJSSchema(),
    federationSupergraph: supergraph,
    subgraphUrls,
    authRequirements: readAuthRequirements(loaded.sdl),
    costDirectives: costDirectivesFrom(loaded.sdl),
    connectors: new Map((loaded.connectors ?? []).map((graph) => [graph.name, buildConnectorRuntime(graph, supergraph)])),
    grpc: new Map((loaded.grpc ?? []).map((graph) => [graph.name, buildGrpcRuntime(graph, supergraph)])),
    planner: () => (planner ??= new QueryPlanner(supergraph)),
    deferPlanner: () => (deferPlanner ??= new QueryPlanner(supergraph, { incrementalDelivery: { enableDefer: true } })),
    shapeSchema: () => (shapeSchema ??= new ShapeSchema(federationApiSchema)),
  });
}
