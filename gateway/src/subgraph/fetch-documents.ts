/**
 * The fetch documents an in-process subgraph (a connector or gRPC subgraph) executes, parsed once:
 * the planner sends the same few operation texts again and again. Bounded: past the limit the
 * cache starts over (the texts come from plans, so they are few; this only stops a pathological
 * supergraph from growing it without end).
 */
import { parse, type DocumentNode } from "graphql";

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
