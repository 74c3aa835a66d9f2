/**
 * A connector subgraph made executable: the subgraph's own schema, as composition extracted it
 * from the supergraph (`_entities` included), with a resolver on every field that has a
 * connector and on `_entities`. Built once per supergraph snapshot; a fetch the planner sends to
 * this subgraph is executed against it in-process (sender.ts), with graphql-js doing the
 * selection, aliases, `__typename`, null propagation and error paths.
 */
import type { Supergraph } from "@apollo/federation-internals";
import { GraphQLObjectType, GraphQLUnionType, type GraphQLSchema } from "graphql";
import { callConnector, type FetchState } from "./connector-call.ts";
import type { ConnectorDefinition, ConnectorGraph } from "./definitions.ts";
import { resolveEntities } from "./entities.ts";
import { ConnectorLoadError } from "./load-error.ts";

export interface ConnectorRuntime {
  readonly graph: ConnectorGraph;
  readonly schema: GraphQLSchema;
}

type EntityConnector = Extract<ConnectorDefinition, { kind: "entity" }> | Extract<ConnectorDefinition, { kind: "field" }>;

export function buildConnectorRuntime(graph: ConnectorGraph, supergraph: Supergraph): ConnectorRuntime {
  const subgraph = supergraph.subgraphs().get(graph.name);
  if (!subgraph) throw new ConnectorLoadError(`connectors: subgraph "${graph.name}" is not in the supergraph`);
  const schema = subgraph.schema.toGraphQLJSSchema();
  const entityConnectors = new Map<string, EntityConnector>();
  for (const connector of graph.connectors) {
    const type = schema.getType(connector.typeName);
    if (!(type instanceof GraphQLObjectType)) throw new ConnectorLoadError(`connectors: @connect on ${connector.id}: ${connector.typeName} is not an object type of "${graph.name}"`);
    if (connector.kind === "entity") {
      entityConnectors.set(connector.typeName, connector);
      continue;
    }
    const field = type.getFields()[connector.fieldName];
    if (!field) throw new ConnectorLoadError(`connectors: @connect on ${connector.id}: no such field in "${graph.name}"`);
    field.resolve = (parent: unknown, args: Record<string, unknown>, state: FetchState) =>
      callConnector(state, connector, { $args: args, ...(parent && typeof parent === "object" ? { $this: parent as Record<string, unknown> } : {}) });
    if (connector.entity) {
      const returned = schema.getType(String(field.type).replace(/[!\[\]]/g, ""));
      if (returned instanceof GraphQLObjectType && !entityConnectors.has(returned.name)) entityConnectors.set(returned.name, connector);
    }
  }
  const entitiesField = schema.getQueryType()?.getFields()._entities;
  if (entitiesField) {
    entitiesField.resolve = (_root: unknown, args: { representations: Array<Record<string, unknown> & { __typename: string }> }, state: FetchState) =>
      resolveEntities(state, args.representations, (typename) => entityConnectors.get(typename));
  }
  const entityUnion = schema.getType("_Entity");
  if (entityUnion instanceof GraphQLUnionType) entityUnion.resolveType = (value) => (value as { __typename?: string }).__typename;
  return { graph, schema };
}
