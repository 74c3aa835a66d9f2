/**
 * The one place errors are shaped for clients. Upstream details (URLs, addresses, socket
 * error names, stack traces) never leave the gateway in any mode; in production, messages of
 * unexpected errors are replaced by a generic one, and the request id (added per request by
 * the hardening plugin) is what a client quotes to support.
 */
import { GraphQLError, type GraphQLFormattedError } from "graphql";
import { errorCodes } from "./codes.ts";

/**
 * Codes whose messages are written for clients, so production keeps them: the gateway's own,
 * Apollo Server's and graphql-js's client faults, and the conventional FORBIDDEN and NOT_FOUND.
 * A subgraph's own codes are added by configuration (`errors.clientFacingCodes`).
 */
const builtInClientFacing: readonly string[] = [
  ...Object.keys(errorCodes).filter((c) => c !== "INTERNAL_SERVER_ERROR"),
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "BAD_USER_INPUT",
  "PERSISTED_QUERY_NOT_SUPPORTED",
  "PERSISTED_QUERY_NOT_FOUND",
  "OPERATION_RESOLUTION_FAILURE",
  "FORBIDDEN",
  "NOT_FOUND",
];

/** What would tell an attacker about the inside: URLs, IP:port, socket error names. */
const internalDetail = /\bhttps?:\/\/|\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b|\blocalhost:\d+|\bE(?:CONNREFUSED|CONNRESET|PIPE|TIMEDOUT|HOSTUNREACH|NOTFOUND|AI_AGAIN)\b|\n\s+at /;

// graphql-js 16 spells it "more that".
const tooManyTokens = /^Syntax Error: Document contains more (?:than|that) (\d+) tokens/;

export interface FormatOptions {
  /** Production: unexpected errors get a generic message. */
  mask: boolean;
  /** Subgraph error codes whose messages are written for clients (`errors.clientFacingCodes`). */
  clientFacingCodes?: readonly string[];
}

export function createErrorFormatter(options: FormatOptions) {
  const clientFacing = new Set([...builtInClientFacing, ...(options.clientFacingCodes ?? [])]);
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const extensions: Record<string, unknown> = { ...formatted.extensions };
    delete extensions.stacktrace;
    delete extensions.exception;
    let message = formatted.message;

    // A validation rule's own code survives Apollo Server's GRAPHQL_VALIDATION_FAILED wrapper.
    const original = error instanceof GraphQLError ? error.originalError : undefined;
    const originalCode = original instanceof GraphQLError ? original.extensions?.code : undefined;
    if (typeof originalCode === "string" && originalCode in errorCodes) extensions.code = originalCode;

    const tokens = tooManyTokens.exec(message);
    if (tokens) {
      extensions.code = "MAX_TOKENS_EXCEEDED";
      message = `The document has more than ${tokens[1]} tokens, over the limit; parsing stopped`;
    }
    if (message === "provided sha does not match query") {
      extensions.code = "PERSISTED_QUERY_HASH_MISMATCH";
      message = "The persisted query hash does not match the query's SHA-256";
    }
    // Apollo Server's answer to any extensions.persistedQuery that is not { version: 1, … } carries no code.
    if (message === "Unsupported persisted query version") {
      extensions.code = "BAD_REQUEST";
      message = 'Unsupported persisted query: send extensions.persistedQuery as { "version": 1, "sha256Hash": "<hex SHA-256 of the query>" }';
    }

    const code = typeof extensions.code === "string" ? extensions.code : "INTERNAL_SERVER_ERROR";
    if (internalDetail.test(message)) {
      message = extensions.serviceName ? `Subgraph "${String(extensions.serviceName)}" failed` : "Internal server error";
    } else if (options.mask && !clientFacing.has(code)) {
      message = extensions.serviceName ? `Subgraph "${String(extensions.serviceName)}" failed` : "Internal server error";
    }
    extensions.code = code;
    return { ...formatted, message, extensions };
  };
}
