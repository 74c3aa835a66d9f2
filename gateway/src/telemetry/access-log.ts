/**
 * The access-log line: one JSON object per request, written when the response finishes.
 * Field names match the subgraphs' "request completed" lines (requestId, operationName, status,
 * durationMs), so one query over both finds a request end to end.
 *
 * Nothing secret reaches the line: headers are never copied (only the client name and version),
 * variables are off by default, and when a deployment turns them on each is redacted by the
 * argument it feeds (variable-redaction.ts), never by its own name. Inline literals never reach
 * the line. Long values are cut so a large input cannot bloat the log.
 */
import type { IncomingHttpHeaders } from "node:http";
import { errorCodesOf, type RequestRecord } from "./request-record.ts";
import { planRedaction, type VariablePlan } from "./variable-redaction.ts";

export interface AccessLogOptions {
  /** Probe and scrape paths are logged at info too (default: debug). */
  probes?: boolean;
  includeVariables: boolean;
  /** Matched case-insensitively as substrings of the argument and input-field names a variable feeds. */
  sensitiveNames: readonly string[];
  /** Arguments whose variables are always redacted: `field(arg:)` or `Type.field(arg:)`. */
  sensitiveArguments: readonly string[];
}

export interface FinishedResponse {
  readonly requestId: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly durationMs: number;
  /** The client went away before the response finished. */
  readonly aborted: boolean;
  readonly headers: IncomingHttpHeaders;
  /** The client's address, trusted proxies resolved (server/client-address.ts). */
  readonly clientAddress: string;
  readonly traceId: string | undefined;
}

export const REDACTED = "[redacted]";
const maxString = 256;
const maxItems = 20;
const maxDepth = 6;
const maxHeaderValue = 100;

/** The fields of the access-log line (pino adds time, level and msg). */
export function accessLogFields(record: RequestRecord, response: FinishedResponse, options: AccessLogOptions): Record<string, unknown> {
  const principal = record.context?.principal;
  const fields: Record<string, unknown> = {
    requestId: response.requestId,
    method: response.method,
    path: response.path,
    status: response.status,
    durationMs: Math.round(response.durationMs * 100) / 100,
    operationName: record.operationName ?? null,
    operationType: record.operationType ?? null,
    consumerId: principal?.kind === "user" ? principal.subject : null,
    clientAddress: response.clientAddress,
    client: { name: headerValue(response.headers, "apollographql-client-name"), version: headerValue(response.headers, "apollographql-client-version") },
    errorCodes: errorCodesOf(record),
    fetches: record.fetches,
  };
  if (response.aborted) fields.aborted = true;
  if (record.sharedWith) fields.sharedWith = record.sharedWith;
  if (record.cost) fields.cost = record.cost;
  if (record.rateLimits.length > 0) fields.rateLimits = record.rateLimits;
  if (options.includeVariables && record.variables && record.operation && Object.keys(record.variables).length > 0) {
    const plan = planRedaction(record.document, record.operation, { sensitiveNames: options.sensitiveNames, sensitiveArguments: options.sensitiveArguments });
    fields.variables = redactVariables(record.variables, plan, options.sensitiveNames);
  }
  if (response.traceId) fields.traceId = response.traceId;
  return fields;
}

/**
 * A copy of `variables` as the plan allows: variables it does not name or marks "whole" are
 * replaced; inside the others, input fields named like a secret are; long values are cut.
 */
export function redactVariables(variables: Readonly<Record<string, unknown>>, plan: VariablePlan, sensitive: readonly string[]): Record<string, unknown> {
  const words = sensitive.map((w) => w.toLowerCase());
  const isSensitive = (name: string) => {
    const lower = name.toLowerCase();
    return words.some((w) => lower.includes(w));
  };
  const copy = (value: unknown, depth: number): unknown => {
    if (typeof value === "string") return value.length > maxString ? `${value.slice(0, maxString)}…` : value;
    if (value === null || typeof value !== "object") return value;
    if (depth >= maxDepth) return "[too deep]";
    if (Array.isArray(value)) {
      const items = value.slice(0, maxItems).map((v) => copy(v, depth + 1));
      if (value.length > maxItems) items.push(`[+${value.length - maxItems} more]`);
      return items;
    }
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) out[key] = isSensitive(key) ? REDACTED : copy(v, depth + 1);
    return out;
  };
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(variables)) out[name] = plan.get(name) === "fields" ? copy(value, 1) : REDACTED;
  return out;
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | null {
  const value = headers[name];
  if (typeof value !== "string" || value === "") return null;
  return value.length > maxHeaderValue ? value.slice(0, maxHeaderValue) : value;
}
