/**
 * Who pays for a request, and at which tier. A signed-in user is identified by the token's
 * `sub` and tiered by the first matching rule (roles, scopes, claims); a caller with a known
 * API key by the consumer name the config gives that key; anyone else by client address, at
 * the anonymous tier. Only verified input identifies: the principal comes from a verified
 * token, and an unknown API key is ignored rather than trusted.
 */
import { createHash } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import type { LimitsConfig, TierRule } from "../config/limits.ts";
import type { Principal } from "../server/context.ts";

export interface Consumer {
  /** Store key part, unique per consumer: `user:<sub>`, `key:<name>` or `addr:<ip>`. */
  readonly id: string;
  readonly kind: "user" | "api-key" | "address";
  readonly tier: string;
}

export interface ConsumerSource {
  readonly principal: Principal;
  readonly headers: IncomingHttpHeaders;
  readonly clientAddress: string;
}

export function identifyConsumer(source: ConsumerSource, config: LimitsConfig["consumers"]): Consumer {
  const { principal } = source;
  if (principal.kind === "user") {
    const rule = config.tierRules.find((r) => ruleMatches(r, principal));
    return { id: `user:${principal.subject}`, kind: "user", tier: rule?.tier ?? config.userTier };
  }
  const sent = source.headers[config.apiKeyHeader];
  if (typeof sent === "string" && sent.length > 0) {
    const known = config.apiKeys[createHash("sha256").update(sent).digest("hex")];
    if (known) return { id: `key:${known.consumer}`, kind: "api-key", tier: known.tier };
  }
  return { id: `addr:${source.clientAddress}`, kind: "address", tier: config.anonymousTier };
}

/** Every condition the rule writes must hold; a rule without conditions matches every user. */
function ruleMatches(rule: TierRule, user: Extract<Principal, { kind: "user" }>): boolean {
  if (rule.roles && !rule.roles.some((r) => user.roles.has(r))) return false;
  if (rule.scopes && !rule.scopes.some((s) => user.scopes.has(s))) return false;
  for (const [name, expected] of Object.entries(rule.claims ?? {})) {
    const actual = user.claims[name];
    if (Array.isArray(actual) ? !actual.includes(expected) : actual !== expected) return false;
  }
  return true;
}
