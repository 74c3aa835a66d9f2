/**
 * Turns the verified caller into decisions over requirement clauses. Policies are evaluated at
 * most once per request (only those the operation refers to); a policy that throws, rejects,
 * returns a non-boolean or is not registered denies. The fingerprint names the decisions that
 * matter for one operation, so the analysis is cached per (document, fingerprint) and two
 * callers with the same effective rights share it.
 */
import type { PolicyContext, PolicyFunction } from "../config/auth.ts";
import type { Logger } from "../logging/logger.ts";
import type { Principal } from "../server/context.ts";
import type { OperationScan } from "./analysis.ts";
import type { Clause } from "./requirements.ts";

export type PolicyResults = ReadonlyMap<string, boolean>;

/** Evaluates the named policies; synchronous when every policy answers synchronously. */
export function evaluatePolicies(
  names: readonly string[],
  registry: Readonly<Record<string, PolicyFunction>>,
  context: Omit<PolicyContext, "policy">,
  logger: Logger,
): PolicyResults | Promise<PolicyResults> {
  const results = new Map<string, boolean>();
  const pending: Promise<void>[] = [];
  const deny = (policy: string, e: unknown) => {
    logger.error({ policy, err: e }, "authorization policy failed; denying");
    results.set(policy, false);
  };
  for (const policy of names) {
    const fn = Object.hasOwn(registry, policy) ? registry[policy] : undefined;
    if (!fn) {
      logger.warn({ policy }, "the supergraph refers to a policy the gateway config does not define; denying");
      results.set(policy, false);
      continue;
    }
    try {
      const answer = fn({ ...context, policy });
      if (answer instanceof Promise) {
        pending.push(answer.then((value) => void results.set(policy, value === true), (e: unknown) => deny(policy, e)));
      } else {
        results.set(policy, answer === true);
      }
    } catch (e) {
      deny(policy, e);
    }
  }
  return pending.length === 0 ? results : Promise.all(pending).then(() => results);
}

/** Whether the caller satisfies one clause. */
export function clauseDecider(principal: Principal, policies: PolicyResults): (clause: Clause) => boolean {
  return (clause) => {
    switch (clause.kind) {
      case "authenticated":
        return principal.kind === "user";
      case "scopes":
        return principal.kind === "user" && clause.anyOf.some((set) => set.every((s) => principal.scopes.has(s)));
      case "policy":
        return clause.anyOf.some((set) => set.every((p) => policies.get(p) === true));
    }
  };
}

/** The decisions relevant to one operation: authenticated or not, which referenced scopes are held, which referenced policies allow. */
export function decisionFingerprint(scan: OperationScan, principal: Principal, policies: PolicyResults): string {
  const user = principal.kind === "user";
  const scopes = user ? scan.scopes.filter((s) => principal.scopes.has(s)) : [];
  const allowed = scan.policies.filter((p) => policies.get(p) === true);
  return JSON.stringify([user, scopes, allowed]);
}
