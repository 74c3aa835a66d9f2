/**
 * The GraphQL-over-HTTP rules that depend on what the client accepts. A client that accepts
 * `application/graphql-response+json` is told of a document that fails to parse or validate, or
 * of variables that fail coercion, with a 4xx; a legacy client that accepts only
 * `application/json` (or says nothing) gets such answers with 200, as the specification
 * recommends, since it may not read a 4xx body. Refusals that are HTTP's own business (401, 403,
 * 405, 413, 429, 503) keep their status for every client.
 */

export type ResponseMediaType = "application/graphql-response+json" | "application/json";

/** Codes of request errors: the document or its variables are at fault, not the HTTP exchange. */
const requestErrorCodes = new Set([
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "BAD_USER_INPUT",
  "OPERATION_RESOLUTION_FAILURE",
  "INTROSPECTION_DISABLED",
  "MAX_DEPTH_EXCEEDED",
  "MAX_ALIASES_EXCEEDED",
  "MAX_ROOT_FIELDS_EXCEEDED",
  "MAX_DIRECTIVES_EXCEEDED",
  "MAX_TOKENS_EXCEEDED",
  "MAX_FIELDS_EXCEEDED",
]);

/** The media type to answer in, or undefined when the client accepts neither (406). */
export function negotiateMediaType(accept: string | undefined): ResponseMediaType | undefined {
  if (accept === undefined || accept.trim() === "") return "application/json";
  let best: { type: ResponseMediaType; q: number } | undefined;
  for (const part of accept.split(",")) {
    const [rawType, ...params] = part.split(";");
    const type = rawType!.trim().toLowerCase();
    let q = 1;
    for (const p of params) {
      const [k, v] = p.split("=");
      if (k?.trim() === "q") q = Number(v);
    }
    if (!(q > 0)) continue;
    const candidate: ResponseMediaType | undefined =
      type === "application/graphql-response+json" ? type : type === "application/json" || type === "application/*" || type === "*/*" ? "application/json" : undefined;
    if (!candidate) continue;
    // On a tie the newer type wins: a client naming both reads either.
    if (!best || q > best.q || (q === best.q && candidate === "application/graphql-response+json")) best = { type: candidate, q };
  }
  return best?.type;
}

/** The status to send for an answer whose first error has `code`, in `mediaType`. */
export function statusFor(status: number, code: unknown, mediaType: ResponseMediaType): number {
  if (mediaType === "application/json" && status >= 400 && status < 500 && typeof code === "string" && requestErrorCodes.has(code)) return 200;
  return status;
}
