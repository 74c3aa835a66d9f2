/** The client-facing API schema of a supergraph SDL, built the way the gateway's snapshot builds it. */
import { Supergraph } from "@apollo/federation-internals";
import type { GraphQLSchema } from "graphql";
import { loadSupergraphSdl, type LoadedSupergraph } from "../supergraph/file-source.ts";

/** A supergraph already loaded is not loaded again (its .proto files were found where `supergraph.protoDirs` says). */
export function apiSchemaOf(supergraph: string | LoadedSupergraph): GraphQLSchema {
  const loaded = typeof supergraph === "string" ? loadSupergraphSdl(supergraph) : supergraph;
  return Supergraph.build(loaded.gatewaySdl).apiSchema().toGraphQLJSSchema();
}
