/**
 * The `auth` section of the gateway config: token verification at the edge and enforcement
 * of the supergraph's `@authenticated`, `@requiresScopes` and `@policy` directives. The whole
 * section is optional: without it no token is verified, every caller is anonymous, no
 * `authorization` header reaches a subgraph, and the directives are not enforced.
 */
import type { IncomingHttpHeaders } from "node:http";
import { z } from "zod";
import type { Principal } from "../server/context.ts";

const positiveMs = z.number().int().positive();

/** What a policy function sees: the verified caller and the request, never unverified identity. */
export interface PolicyContext {
  /** The policy's name as written in `@policy(policies: [[...]])`. */
  readonly policy: string;
  readonly principal: Principal;
  /** The verified claims; empty for an anonymous caller. */
  readonly claims: Readonly<Record<string, unknown>>;
  /** The client's request headers (lower-case names). */
  readonly headers: IncomingHttpHeaders;
  readonly operation: { readonly name: string | null; readonly type: "query" | "mutation" | "subscription" };
}

/** A named authorization policy: true allows. A policy that throws or rejects denies. */
export type PolicyFunction = (context: PolicyContext) => boolean | Promise<boolean>;

const policyFunction = z.custom<PolicyFunction>((value) => typeof value === "function", { message: "a policy must be a function" });

/** Algorithms a token may be signed with. `none` and every HMAC (HS*) algorithm are refused outright. */
const algorithm = z
  .string()
  .min(1)
  .refine((alg) => alg.toLowerCase() !== "none", { message: '"none" is never an acceptable token algorithm' })
  .refine((alg) => !/^HS\d+$/i.test(alg), {
    message: "HMAC algorithms are refused: with a public JWKS they allow signing with the public key",
  });

const remoteJwksSchema = z.strictObject({
  /** URL of the issuer's JWKS (`/.well-known/jwks.json`). */
  url: z.url(),
  /** Deadline for one JWKS fetch, in ms; a request never waits longer than this for keys. */
  timeoutMs: positiveMs.default(2_000),
  /**
   * Minimum time between refetches caused by an unknown `kid`, in ms. A token with an unknown
   * `kid` inside the cooldown waits for it to end (at most this long) instead of failing, so a
   * key rotation never turns valid tokens away.
   */
  cooldownMs: positiveMs.default(1_000),
  /** Age after which the key set is refreshed in the background; the cached keys keep serving meanwhile, and when the endpoint is down. */
  maxAgeMs: positiveMs.default(300_000),
});

const fileJwksSchema = z.strictObject({
  /** Path of a JWKS JSON file, read once at start. */
  file: z.string().min(1),
});

export const authConfigSchema = z.strictObject({
  /** Where verification keys come from: `{ url }` (remote, cached) or `{ file }` (local JWKS). */
  jwks: z.union([remoteJwksSchema, fileJwksSchema]),
  /** Required `iss` claim. */
  issuer: z.string().min(1),
  /** Required `aud` claim (one of the token's audiences). */
  audience: z.string().min(1),
  /** Accepted signing algorithms. Default ["ES256"]. */
  algorithms: z.array(algorithm).nonempty().default(["ES256"]),
  /**
   * Clock skew tolerated on `exp`, `nbf` and `iat`, in seconds: a token is accepted until `exp` +
   * this, on every transport, and a subscription ends then. The services apply the same rule
   * (JWT_CLOCK_TOLERANCE_SEC, default 5 too): keep the two equal. Default 5.
   */
  clockToleranceSec: z.number().int().min(0).max(300).default(5),
  /** Refuse tokens without an `exp` claim. Default true. */
  requireExp: z.boolean().default(true),
  tokenCache: z
    .strictObject({
      /** Verified tokens remembered (LRU by token string); 0 turns the cache off. Default 10000. */
      maxEntries: z.number().int().min(0).default(10_000),
      /** How long a verified token is trusted without re-verifying its signature, in ms (never past its `exp`). Default 60000. */
      ttlMs: positiveMs.default(60_000),
    })
    .prefault({}),
  /** `filter` (default): unauthorized fields are removed and answered with null and an error each. `reject`: the whole operation is refused with 403. */
  onUnauthorized: z.enum(["filter", "reject"]).default("filter"),
  /** Named policy functions that `@policy(policies: [[...]])` refers to. An unknown name denies. */
  policies: z.record(z.string().min(1), policyFunction).default({}),
  /** Operations whose authorization analysis is cached (per document and claim set). Default 1000. */
  analysisCacheEntries: z.number().int().min(1).default(1_000),
});

export type AuthConfigInput = z.input<typeof authConfigSchema>;
export type AuthConfig = z.output<typeof authConfigSchema>;
