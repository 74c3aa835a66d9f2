import { readFileSync } from "node:fs";
import { buildSubgraphSchema } from "@apollo/subgraph";
import type { GraphQLResolverMap } from "@apollo/subgraph/dist/schema-helper/resolverMap.js";
import { parse, type GraphQLSchema } from "graphql";
import { schemaPath } from "./paths.ts";

export type Resolvers<TContext> = GraphQLResolverMap<TContext>;

/** Builds the executable subgraph schema from schema/<name>.graphql, the public contract. */
export function loadSubgraphSchema<TContext>(service: string, resolvers: Resolvers<TContext>): GraphQLSchema {
  const typeDefs = parse(readFileSync(schemaPath(service), "utf8"));
  return buildSubgraphSchema([{ typeDefs, resolvers: resolvers as GraphQLResolverMap<unknown> }]);
}
