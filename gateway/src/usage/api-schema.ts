/** The client-facing API schema of a supergraph SDL, built the way the gateway's snapshot builds it. */
import { Supergraph } from "@apollo/federation-internals";
import type { GraphQLSchema } from "graphql";
import { loadSupergraphSdl } from "../supergraph/file-source.ts";

export function apiSchemaOf(supergraphSdl: string): GraphQLSchema {
  return Supergraph.build(loadSupergraphSdl(supergraphSdl).gatewaySdl).apiSchema().toGraphQLJSSchema();
}
