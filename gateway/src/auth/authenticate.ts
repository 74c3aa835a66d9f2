/**
 * The authentication step at the HTTP edge, before Apollo Server runs: no `Authorization`
 * header means anonymous; a valid bearer token means a verified principal; anything else is
 * refused with 401 and `WWW-Authenticate` (a bad token is never downgraded to anonymous, even
 * for a query that would be public). With no usable key the answer is 503, never a hang.
 */
import type { IncomingHttpHeaders } from "node:http";
import type { ErrorCode } from "../errors/codes.ts";
import type { Logger } from "../logging/logger.ts";
import { anonymous, type Principal } from "../server/context.ts";
import { bearerCredentials } from "./bearer.ts";
import type { TokenVerifier } from "./verifier.ts";

export type AuthenticationOutcome =
  | { readonly kind: "authenticated"; readonly principal: Principal }
  | {
      readonly kind: "refused";
      readonly code: Extract<ErrorCode, "UNAUTHENTICATED" | "TOKEN_EXPIRED" | "AUTH_UNAVAILABLE">;
      readonly message: string;
      readonly headers: Record<string, string>;
    };

/** Turns request headers into a principal or a refusal. */
export type Authenticate = (headers: IncomingHttpHeaders) => Promise<AuthenticationOutcome>;

export function createAuthenticator(options: { verifier: TokenVerifier; logger: Logger }): Authenticate {
  return async (headers) => {
    const credentials = bearerCredentials(headers.authorization);
    switch (credentials.kind) {
      case "none":
        return { kind: "authenticated", principal: anonymous };
      case "malformed":
        return unauthenticated("invalid_request", `Malformed Authorization header: ${credentials.reason}`);
      case "bearer":
        break;
    }
    const result = await options.verifier.verify(credentials.token);
    switch (result.kind) {
      case "valid":
        return { kind: "authenticated", principal: result.principal };
      case "invalid":
        options.logger.debug({ reason: result.reason }, "bearer token refused");
        // Expired beyond the clock tolerance: the same answer as the pipeline's for one expired
        // within it, so a client refreshes on TOKEN_EXPIRED however old its token is.
        if (result.expired) return expired();
        return unauthenticated("invalid_token", `Invalid bearer token: ${result.reason}`, result.reason);
      case "unavailable":
        options.logger.warn({ reason: result.reason }, "token verification unavailable");
        return {
          kind: "refused",
          code: "AUTH_UNAVAILABLE",
          message: "Token verification is temporarily unavailable; retry shortly",
          headers: { "retry-after": "1" },
        };
    }
  };
}

function expired(): AuthenticationOutcome {
  return {
    kind: "refused",
    code: "TOKEN_EXPIRED",
    message: "The access token has expired; sign in again or refresh it",
    headers: { "www-authenticate": 'Bearer error="invalid_token", error_description="token expired"' },
  };
}

function unauthenticated(error: "invalid_request" | "invalid_token", message: string, description?: string): AuthenticationOutcome {
  const challenge = `Bearer error="${error}"${description ? `, error_description="${description.replace(/["\\]/g, "")}"` : ""}`;
  return { kind: "refused", code: "UNAUTHENTICATED", message, headers: { "www-authenticate": challenge } };
}
