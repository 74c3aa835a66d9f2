/**
 * Verifies bearer tokens with jose: pinned algorithms, issuer, audience, a small clock
 * tolerance (on `exp`, `nbf` and `iat` alike), required `exp` and `sub`. Verified tokens are
 * remembered briefly in a bounded LRU (never past `exp` + tolerance), so the hot path skips the
 * signature check.
 */
import { errors, jwtVerify, type JWTPayload } from "jose";
import type { Principal } from "../server/context.ts";
import { KeysUnavailableError, type KeySource } from "./jwks.ts";
import { LruCache } from "./lru.ts";

export type UserPrincipal = Extract<Principal, { kind: "user" }>;

export type Verification =
  | { readonly kind: "valid"; readonly principal: UserPrincipal }
  | { readonly kind: "invalid"; readonly reason: string; readonly expired?: true }
  | { readonly kind: "unavailable"; readonly reason: string };

export interface TokenVerifierOptions {
  keys: KeySource;
  issuer: string;
  audience: string;
  algorithms: readonly string[];
  clockToleranceSec: number;
  requireExp: boolean;
  cache: { maxEntries: number; ttlMs: number };
  /** Epoch ms; injectable for tests. */
  now?: () => number;
}

export class TokenVerifier {
  private readonly cache: LruCache<string, { principal: UserPrincipal; trustedUntil: number }>;
  private readonly now: () => number;

  constructor(private readonly options: TokenVerifierOptions) {
    this.cache = new LruCache(options.cache.maxEntries);
    this.now = options.now ?? Date.now;
  }

  async verify(token: string): Promise<Verification> {
    const now = this.now();
    const cached = this.cache.get(token);
    if (cached) {
      if (now < cached.trustedUntil) return { kind: "valid", principal: cached.principal };
      this.cache.delete(token);
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.options.keys.getKey, {
        algorithms: [...this.options.algorithms],
        issuer: this.options.issuer,
        audience: this.options.audience,
        clockTolerance: this.options.clockToleranceSec,
        requiredClaims: this.options.requireExp ? ["exp", "sub"] : ["sub"],
        currentDate: new Date(now),
      }));
    } catch (e) {
      if (e instanceof KeysUnavailableError) return { kind: "unavailable", reason: e.message };
      return { kind: "invalid", reason: reasonFor(e), ...(e instanceof errors.JWTExpired ? { expired: true as const } : {}) };
    }
    if (typeof payload.sub !== "string" || payload.sub === "") return { kind: "invalid", reason: "the token has no sub claim" };
    const principal = principalFrom(payload, token, this.options.clockToleranceSec);
    // Trusted until the earlier of the cache TTL and the end of its acceptance (exp + tolerance).
    this.cache.set(token, { principal, trustedUntil: Math.min(now + this.options.cache.ttlMs, principal.expiresAt * 1000) });
    return { kind: "valid", principal };
  }
}

/**
 * `expiresAt` is when the gateway stops accepting the token: its `exp` plus the clock tolerance,
 * the moment jose itself refuses it. Every later check (the pipeline's, a subscription's end, the
 * cache) uses it, so one rule holds for exp as for nbf, the services' own (shared/identity.ts).
 */
function principalFrom(payload: JWTPayload, token: string, clockToleranceSec: number): UserPrincipal {
  const scope = payload.scope;
  const scopes = typeof scope === "string" ? scope.split(" ").filter(Boolean) : Array.isArray(scope) ? scope.filter(isString) : [];
  const roles = Array.isArray(payload.roles) ? payload.roles.filter(isString) : [];
  return Object.freeze({
    kind: "user",
    subject: payload.sub!,
    scopes: new Set(scopes),
    roles: new Set(roles),
    claims: Object.freeze({ ...payload }),
    token,
    expiresAt: payload.exp === undefined ? Number.POSITIVE_INFINITY : payload.exp + clockToleranceSec,
  });
}

const isString = (value: unknown): value is string => typeof value === "string";

/** A fixed, client-safe sentence per failure (also used in WWW-Authenticate, so no quotes). */
function reasonFor(e: unknown): string {
  if (e instanceof errors.JWTExpired) return "the token has expired";
  if (e instanceof errors.JWTClaimValidationFailed) {
    if (e.reason === "missing") return `the token has no ${e.claim} claim`;
    switch (e.claim) {
      case "nbf":
        return "the token is not yet valid";
      case "iat":
        return "the token was issued in the future";
      case "iss":
        return "the token has an unexpected issuer";
      case "aud":
        return "the token has an unexpected audience";
      default:
        return `the token's ${e.claim} claim is invalid`;
    }
  }
  if (e instanceof errors.JOSEAlgNotAllowed || e instanceof errors.JOSENotSupported) return "the token's signing algorithm is not accepted";
  if (e instanceof errors.JWSSignatureVerificationFailed) return "the token's signature does not verify";
  if (e instanceof errors.JWKSNoMatchingKey) return "the token's signing key is unknown";
  if (e instanceof errors.JWSInvalid || e instanceof errors.JWTInvalid) return "the token is malformed";
  return "the token is invalid";
}
