/** The client-facing API schema of a supergraph SDL, built the way the gateway's snapshot builds it. */
import { Supergraph } from "@apollo/federation-internals";
import type { GraphQLSchema } from "graphql";
import { sanitizeForApolloGateway } from "../private-apis/supergraph-for-apollo-gateway.ts";

export function apiSchemaOf(supergraphSdl: string): GraphQLSchema {
  return Supergraph.build(sanitizeForApolloGateway(supergraphSdl)).apiSchema().toGraphQLJSSchema();
}
