/**
 * A stage's refusal: the request ends here, answered with these errors. Every transport frames
 * it its own way (an HTTP status and JSON body, an SSE answer, a graphql-ws error message), from
 * the same status, errors and headers.
 */
import type { GraphQLFormattedError } from "graphql";
import { errorCodes, type ErrorCode } from "../errors/codes.ts";

export interface Refusal {
  readonly kind: "refused";
  /** The HTTP status the code registers (the first error's). */
  readonly status: number;
  readonly errors: readonly GraphQLFormattedError[];
  /** e.g. `retry-after`, `www-authenticate`, the RateLimit headers. */
  readonly headers: Readonly<Record<string, string>>;
}

/** A refusal with one error carrying a registered code. */
export function refuse(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}, headers: Record<string, string> = {}): Refusal {
  return { kind: "refused", status: errorCodes[code], errors: [{ message, extensions: { code, ...extensions } }], headers };
}

/** A refusal with several errors (validation, unauthorized fields) under one code's status. */
export function refuseAll(code: ErrorCode, errors: readonly GraphQLFormattedError[], headers: Record<string, string> = {}): Refusal {
  return { kind: "refused", status: errorCodes[code], errors, headers };
}

export const isRefusal = (value: unknown): value is Refusal => typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "refused";
