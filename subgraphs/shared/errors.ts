import { GraphQLError } from "graphql";

/**
 * Every error code a subgraph may return, with the HTTP status the gateway should map it to.
 * One registry so clients can rely on a closed set of codes.
 */
export const ERROR_CODES = {
  UNAUTHENTICATED: 401,
  /** A presented access token has expired (beyond the clock tolerance): refresh and retry. */
  TOKEN_EXPIRED: 401,
  /** A presented access token is malformed, forged, or not for this system. */
  INVALID_TOKEN: 401,
  FORBIDDEN: 403,
  BAD_USER_INPUT: 400,
  NOT_FOUND: 404,
  INVALID_CREDENTIALS: 401,
  INVALID_REFRESH_TOKEN: 401,
  IDEMPOTENCY_KEY_REUSED: 409,
  ORDER_ALREADY_PAID: 409,
  ORDER_NOT_PAYABLE: 409,
  INVALID_STATUS_TRANSITION: 409,
  PAYMENT_NOT_REFUNDABLE: 409,
  /** A delivery cannot leave PENDING while its order is unpaid. */
  ORDER_NOT_PAID: 409,
  UPSTREAM_ERROR: 502,
  /** The payment provider did not answer (every instance tried): retrying with the same key is safe. */
  PAYMENT_PROVIDER_UNAVAILABLE: 502,
  /** The payment provider refused the charge. */
  PAYMENT_DECLINED: 402,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** A GraphQLError carrying a registered code (and any policy numbers) in its extensions. */
export function appError(code: ErrorCode, message: string, extra: Record<string, unknown> = {}): GraphQLError {
  // The status stays out of the response: a subgraph answers 200 and the gateway maps codes via ERROR_CODES.
  return new GraphQLError(message, { extensions: { ...extra, code } });
}

export const unauthenticated = (message = "Authentication required"): GraphQLError => appError("UNAUTHENTICATED", message);
export const forbidden = (message = "Not allowed"): GraphQLError => appError("FORBIDDEN", message);
/**
 * For a record that does not exist or that the caller may not know exists: the two answers are
 * the same, so a probe cannot tell another customer's order from a missing one.
 */
export const notFound = (what: string): GraphQLError => appError("NOT_FOUND", `${what} not found`);
export const badInput = (message: string, extra?: Record<string, unknown>): GraphQLError => appError("BAD_USER_INPUT", message, extra);
