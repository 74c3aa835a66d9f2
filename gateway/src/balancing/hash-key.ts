/**
 * The key consistent hashing routes on, read from the request context. The raw value is only
 * hashed, never logged or sent anywhere.
 */
import type { HashKeyConfig } from "../config/balancing.ts";
import type { RequestContext } from "../server/context.ts";

/** The header `consumer` falls back to when the caller has no verified token. */
export const API_KEY_HEADER = "x-api-key";

/** Undefined only for fetches without a client request (probes), which the ring spreads at random. */
export function hashKeyOf(config: HashKeyConfig, context: RequestContext | undefined): string | undefined {
  if (context === undefined) return undefined;
  if (config === "client-address") return `addr:${context.clientAddress}`;
  if (config === "consumer") {
    if (context.principal.kind === "user") return `sub:${context.principal.subject}`;
    const apiKey = headerValue(context, API_KEY_HEADER);
    return apiKey !== undefined ? `key:${apiKey}` : `addr:${context.clientAddress}`;
  }
  const value = headerValue(context, config.header);
  return value !== undefined ? `hdr:${value}` : `addr:${context.clientAddress}`;
}

function headerValue(context: RequestContext, name: string): string | undefined {
  const value = context.headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first === "" ? undefined : first;
}
