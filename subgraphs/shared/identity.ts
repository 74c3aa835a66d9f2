import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from "jose";
import { z } from "zod";

/**
 * Who is calling: a user (a token the auth service issued at login), another service (a
 * client-credentials token, for internal operations only), or nobody.
 */
export type Principal =
  /** `refused`: a token was presented and is not valid; the server answers 401 instead of running the operation. */
  | { kind: "anonymous"; reason?: string; refused?: TokenRefusal }
  | { kind: "user"; userId: string; roles: readonly string[]; scopes: ReadonlySet<string>; email?: string }
  | { kind: "service"; clientId: string; scopes: ReadonlySet<string> };

export type UserPrincipal = Extract<Principal, { kind: "user" }>;
export type ServicePrincipal = Extract<Principal, { kind: "service" }>;

export const ANONYMOUS: Principal = Object.freeze({ kind: "anonymous" });

/** Why a presented token was not accepted: the same two codes the gateway answers 401 with. */
export type TokenRefusal = "TOKEN_EXPIRED" | "INVALID_TOKEN";

/**
 * Clock skew tolerated on `exp`, `nbf` and `iat`: the gateway's default (its
 * `auth.clockToleranceSec`, 5 s), and the gateway's rule: a token is accepted until `exp` + the
 * tolerance, and refused after (TOKEN_EXPIRED) by the gateway and the services alike. Set
 * JWT_CLOCK_TOLERANCE_SEC to the gateway's value when that is changed.
 */
export const DEFAULT_CLOCK_TOLERANCE_SEC = 5;

export function clockToleranceFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const value = Number(env.JWT_CLOCK_TOLERANCE_SEC);
  return env.JWT_CLOCK_TOLERANCE_SEC !== undefined && Number.isInteger(value) && value >= 0 ? value : DEFAULT_CLOCK_TOLERANCE_SEC;
}

/** A failure that is the token's fault (refused with 401), not the verifier's (keys unreachable). */
function refusalFor(error: unknown): TokenRefusal | undefined {
  if (error instanceof errors.JWTExpired) return "TOKEN_EXPIRED";
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid || (error instanceof Error && error.name === "TypeError")) return undefined;
  if (error instanceof errors.JOSEError || error instanceof z.ZodError) return "INVALID_TOKEN";
  return undefined;
}

/** The one algorithm the auth service signs with; verification accepts nothing else. */
export const TOKEN_ALGORITHM = "ES256";
export const DEFAULT_ISSUER = "urn:federated-gateway:auth";
export const DEFAULT_AUDIENCE = "federated-gateway";
export const DEFAULT_JWKS_URL = "http://127.0.0.1:4001/.well-known/jwks.json";
/**
 * The audience of service tokens. Distinct from the users' audience, so the gateway (which pins
 * the users' one) refuses a service token, and a user token is never taken for a service's.
 */
export const DEFAULT_SERVICE_AUDIENCE = "urn:federated-gateway:services";

const claimsSchema = z.object({
  sub: z.string().min(1),
  roles: z.array(z.string()).default([]),
  scope: z.string().default(""),
  email: z.string().optional(),
});

const serviceClaimsSchema = z.object({
  sub: z.string().min(1),
  client_id: z.string().min(1),
  scope: z.string().default(""),
});

export interface VerifierOptions {
  /** Where the verification keys come from (a remote JWKS, or the auth service's own store). */
  getKey: JWTVerifyGetKey;
  issuer: string;
  audience: string;
  /** Audience of service tokens. Default DEFAULT_SERVICE_AUDIENCE. */
  serviceAudience?: string;
  /** Default env JWT_CLOCK_TOLERANCE_SEC, else DEFAULT_CLOCK_TOLERANCE_SEC (the gateway's). */
  clockToleranceSec?: number;
  /** Epoch ms; injectable for tests. Default Date.now. */
  now?: () => number;
}

/** Turns an Authorization header into a Principal; invalid or missing tokens mean anonymous. */
export type IdentityVerifier = (authorization: string | undefined) => Promise<Principal>;

export function createIdentityVerifier(options: VerifierOptions): IdentityVerifier {
  const { getKey, issuer, audience, serviceAudience = DEFAULT_SERVICE_AUDIENCE, now = Date.now } = options;
  const clockTolerance = options.clockToleranceSec ?? clockToleranceFromEnv();
  return async (authorization) => {
    const token = bearerToken(authorization);
    if (!token) return ANONYMOUS;
    try {
      const { payload } = await jwtVerify(token, getKey, {
        issuer,
        audience: [audience, serviceAudience],
        algorithms: [TOKEN_ALGORITHM],
        clockTolerance,
        // As the gateway: a token without an expiry is not accepted.
        requiredClaims: ["exp", "sub"],
        currentDate: new Date(now()),
      });
      const audiences = typeof payload.aud === "string" ? [payload.aud] : (payload.aud ?? []);
      if (audiences.includes(serviceAudience)) {
        // A service token names its client in sub and client_id (RFC 9068); it never carries roles.
        const service = serviceClaimsSchema.parse(payload);
        if (service.client_id !== service.sub || audiences.includes(audience)) throw new errors.JWTInvalid("malformed service token");
        return { kind: "service", clientId: service.client_id, scopes: new Set(service.scope.split(" ").filter(Boolean)) };
      }
      const claims = claimsSchema.parse(payload);
      return {
        kind: "user",
        userId: claims.sub,
        roles: claims.roles,
        scopes: new Set(claims.scope.split(" ").filter(Boolean)),
        ...(claims.email ? { email: claims.email } : {}),
      };
    } catch (error) {
      // A bad or expired token is refused with 401, as the gateway refuses it; a verifier that
      // cannot fetch keys treats the caller as anonymous (the gateway has checked the token).
      const refused = refusalFor(error);
      return { kind: "anonymous", reason: error instanceof Error ? error.message : String(error), ...(refused ? { refused } : {}) };
    }
  };
}

export interface RemoteVerifierOptions {
  /** Default env AUTH_JWKS_URL, else http://127.0.0.1:4001/.well-known/jwks.json. */
  jwksUrl?: string;
  /** Default env JWT_ISSUER, else urn:federated-gateway:auth. */
  issuer?: string;
  /** Default env JWT_AUDIENCE, else federated-gateway. */
  audience?: string;
  /** Default env SERVICE_AUDIENCE, else urn:federated-gateway:services. */
  serviceAudience?: string;
  /** Default env JWT_CLOCK_TOLERANCE_SEC, else 5 (the gateway's default). */
  clockToleranceSec?: number;
  /**
   * Minimum time between JWKS refetches when a token names an unknown kid (a key rotation).
   * Default 1000 ms: short so a freshly rotated key is picked up almost at once.
   */
  jwksCooldownMs?: number;
}

/** A verifier for the subgraphs that are not the auth service: keys from the auth JWKS endpoint. */
export function createRemoteIdentityVerifier(options: RemoteVerifierOptions = {}): IdentityVerifier {
  const jwksUrl = options.jwksUrl ?? process.env.AUTH_JWKS_URL ?? DEFAULT_JWKS_URL;
  const getKey = createRemoteJWKSet(new URL(jwksUrl), {
    cooldownDuration: options.jwksCooldownMs ?? 1000,
    timeoutDuration: 5000,
  });
  return createIdentityVerifier({ getKey, ...issuerAndAudience(options), ...(options.clockToleranceSec === undefined ? {} : { clockToleranceSec: options.clockToleranceSec }) });
}

/** Issuer and audiences from options, then env, then the defaults. */
export function issuerAndAudience(options: { issuer?: string; audience?: string; serviceAudience?: string }): {
  issuer: string;
  audience: string;
  serviceAudience: string;
} {
  return {
    issuer: options.issuer ?? process.env.JWT_ISSUER ?? DEFAULT_ISSUER,
    audience: options.audience ?? process.env.JWT_AUDIENCE ?? DEFAULT_AUDIENCE,
    serviceAudience: options.serviceAudience ?? process.env.SERVICE_AUDIENCE ?? DEFAULT_SERVICE_AUDIENCE,
  };
}

function bearerToken(authorization: string | undefined): string | undefined {
  const match = authorization?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1];
}
