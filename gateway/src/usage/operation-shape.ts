/**
 * What usage recording keeps of one operation: its signature and hash, name and type, and the
 * schema coordinates it touches. Built once per distinct document and supergraph (recorder.ts
 * caches it); never holds a variable or a literal value.
 */
import type { DocumentNode, GraphQLSchema } from "graphql";
import { coordinatesOf } from "./coordinates.ts";
import { operationDocument, signatureHash, signatureOf } from "./signature.ts";

export type OperationType = "query" | "mutation" | "subscription";

export interface OperationShape {
  /** SHA-256 of `signature`. */
  readonly hash: string;
  /** The operation with literals stripped (signature.ts): a valid document. */
  readonly signature: string;
  readonly name: string | null;
  readonly type: OperationType;
  readonly coordinates: readonly string[];
}

export interface DescribedOperation extends OperationShape {
  /** Deprecated coordinates among `coordinates`, in the schema it was described against. */
  readonly deprecated: readonly string[];
}

/** The shape of the operation `operationName` selects in `document`, against `schema`; undefined when it selects none. */
export function describeOperation(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined): DescribedOperation | undefined {
  const own = operationDocument(document, operationName);
  if (!own) return undefined;
  const operation = own.definitions[0]!;
  if (operation.kind !== "OperationDefinition") return undefined;
  const signature = signatureOf(own);
  const touched = coordinatesOf(schema, own);
  return {
    hash: signatureHash(signature),
    signature,
    name: operation.name?.value ?? null,
    type: operation.operation,
    coordinates: touched.coordinates,
    deprecated: touched.deprecated,
  };
}
