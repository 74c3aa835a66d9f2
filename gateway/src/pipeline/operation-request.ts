/**
 * The neutral operation request every transport produces: HTTP POST and GET (and each element
 * of a batch), SSE, graphql-ws and REST endpoints all turn their input into this, so the
 * pipeline never reads a transport's framing. Building it checks the shape of the client's
 * fields (types, JSON in GET parameters, nesting depth) and names the field at fault.
 */
import type { ErrorCode } from "../errors/codes.ts";

/** Where the request came from: decides which operation types may run (queries only over GET, subscriptions only over streams). */
export type Transport = "http-post" | "http-get" | "sse" | "websocket" | "rest";

export interface OperationRequest {
  readonly transport: Transport;
  /** The document text; absent when the client sends only an id (persisted operations, APQ). */
  readonly query: string | undefined;
  readonly operationName: string | undefined;
  readonly variables: Readonly<Record<string, unknown>> | undefined;
  readonly extensions: Readonly<Record<string, unknown>> | undefined;
  /** A persisted operation's id (`documentId`, Relay's `doc_id` or `id`). */
  readonly documentId: string | undefined;
  /** The client reads incremental delivery (multipart/mixed or an event stream): `@defer` is honoured. */
  readonly incremental?: boolean;
}

export type RequestShapeFault = { readonly kind: "fault"; readonly code: ErrorCode; readonly message: string };

/**
 * Deepest nesting of arrays and objects accepted in `variables` and `extensions`. JSON.parse
 * handles far deeper input, but coercion and every later walk recurse: a client fault must be
 * named here, before anything recurses that deep.
 */
export const MAX_INPUT_DEPTH = 64;

/**
 * The request from a client's fields: a JSON body's members, or GET parameters (where
 * `variables` and `extensions` arrive as JSON text).
 */
export function operationRequestFrom(fields: Readonly<Record<string, unknown>>, transport: Transport): OperationRequest | RequestShapeFault {
  const { query, operationName } = fields;
  if (query !== undefined && query !== null && typeof query !== "string") return fault('"query" must be a string holding a GraphQL document');
  if (operationName !== undefined && operationName !== null && typeof operationName !== "string") return fault('"operationName" must be a string');
  const variables = objectField(fields.variables, "variables");
  if (variables !== undefined && "kind" in variables) return variables;
  const extensions = objectField(fields.extensions, "extensions");
  if (extensions !== undefined && "kind" in extensions) return extensions;
  const documentId = [fields.documentId, fields.doc_id, fields.id].find((v): v is string => typeof v === "string");
  const persisted = extensions?.value.persistedQuery;
  if ((query === undefined || query === null) && documentId === undefined && persisted === undefined) {
    return fault('Send the GraphQL document in "query" (or a persisted operation\'s id in "documentId")');
  }
  return {
    transport,
    query: typeof query === "string" ? query : undefined,
    operationName: typeof operationName === "string" && operationName !== "" ? operationName : undefined,
    variables: variables?.value,
    extensions: extensions?.value,
    documentId,
  };
}

function objectField(raw: unknown, name: string): { value: Record<string, unknown> } | RequestShapeFault | undefined {
  if (raw === undefined || raw === null || raw === "") return undefined;
  let value = raw;
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch {
      return fault(`"${name}" is not valid JSON`);
    }
    if (value === null) return undefined;
  }
  if (typeof value !== "object" || Array.isArray(value)) return fault(`"${name}" must be a JSON object`);
  const depth = nestingDepth(value, MAX_INPUT_DEPTH);
  if (depth > MAX_INPUT_DEPTH) {
    return { kind: "fault", code: "INPUT_TOO_DEEP", message: `"${name}" nests objects and lists deeper than ${MAX_INPUT_DEPTH} levels` };
  }
  return { value: value as Record<string, unknown> };
}

/** Nesting depth of a JSON value, counted without recursion and stopping once past `limit`. */
export function nestingDepth(value: unknown, limit: number): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== "object") continue;
    if (depth > deepest) deepest = depth;
    if (deepest > limit) return deepest;
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (child !== null && typeof child === "object") stack.push([child, depth + 1]);
    }
  }
  return deepest;
}

const fault = (message: string): RequestShapeFault => ({ kind: "fault", code: "BAD_REQUEST", message });
