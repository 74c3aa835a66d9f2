/**
 * Planned fetches run by an in-process subgraph (a connector or gRPC subgraph): each document parsed once,
 * the planner sends the same few operation texts again and again. Bounded: past the limit the
 * cache starts over (the texts come from plans, so they are few; this only stops a pathological
 * supergraph from growing it without end).
 */
import { execute, parse, type DocumentNode, type GraphQLSchema } from "graphql";
import type { SubgraphRequest, SubgraphResponse } from "./types.ts";

const documents = new Map<string, DocumentNode>();
const MAX_DOCUMENTS = 1_000;

export function parsedFetch(query: string): DocumentNode {
  let doc = documents.get(query);
  if (!doc) {
    if (documents.size >= MAX_DOCUMENTS) documents.clear();
    doc = parse(query, { noLocation: true });
    documents.set(query, doc);
  }
  return doc;
}

/** Runs a planned fetch against an in-process subgraph's executable schema: the GraphQL answer a subgraph would send. */
export async function executeFetch(schema: GraphQLSchema, request: SubgraphRequest, contextValue: unknown): Promise<SubgraphResponse["body"]> {
  const result = await execute({
    schema,
    document: parsedFetch(request.body.query),
    variableValues: request.body.variables ?? {},
    operationName: request.body.operationName,
    contextValue,
  });
  return {
    data: (result.data ?? null) as Record<string, unknown> | null,
    ...(result.errors ? { errors: result.errors.map((e) => e.toJSON() as unknown as Record<string, unknown>) } : {}),
  };
}
