/**
 * The key under which clients share one upstream subscription. Two clients share only when the
 * subgraph would answer them identically: same subgraph, same operation, same variables, and the
 * same authorization scope, i.e. the identity claims the subgraph's decision reads (subject,
 * scopes, roles). The subgraph checks the right to subscribe once, when the upstream starts, with
 * one member's token; a client whose scope differs gets an upstream of its own and its own check.
 * The fields other subgraphs resolve are fetched per client, with that client's token.
 */
import { createHash } from "node:crypto";
import type { Principal } from "../server/context.ts";

export interface UpstreamKeyInput {
  readonly subgraph: string;
  readonly operation: string;
  readonly variables: Readonly<Record<string, unknown>>;
  readonly principal: Principal;
}

export function upstreamKey(input: UpstreamKeyInput): string {
  const hash = createHash("sha256");
  hash.update(input.subgraph).update("\0").update(input.operation).update("\0").update(stableJson(input.variables)).update("\0");
  hash.update(authorizationScope(input.principal));
  return hash.digest("base64url");
}

/** What of the caller can change the subgraph's answer; "anonymous" for no caller. */
export function authorizationScope(principal: Principal): string {
  if (principal.kind === "anonymous") return "anonymous";
  return JSON.stringify([principal.subject, [...principal.scopes].sort(), [...principal.roles].sort()]);
}

/** JSON with object keys sorted at every level, so `{a,b}` and `{b,a}` are one key. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.keys(value as object)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
