import { randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import { TOKEN_ALGORITHM } from "../shared/identity.ts";
import type { KeyStore } from "./keys.ts";
import { scopeClaim } from "./scopes.ts";

export interface AccessTokenSubject {
  id: string;
  email: string;
  roles: readonly string[];
}

export interface AccessTokenIssuerOptions {
  keys: KeyStore;
  issuer: string;
  audience: string;
  ttlSeconds: number;
  now: () => number;
}

/** Signs short-lived access tokens with the current key; `kid` in the header names it. */
export function createAccessTokenIssuer({ keys, issuer, audience, ttlSeconds, now }: AccessTokenIssuerOptions) {
  return async (user: AccessTokenSubject): Promise<string> => {
    const { kid, key } = await keys.signingKey();
    const issuedAt = Math.floor(now() / 1000);
    return new SignJWT({ scope: scopeClaim(user.roles), roles: [...user.roles], email: user.email })
      .setProtectedHeader({ alg: TOKEN_ALGORITHM, kid, typ: "JWT" })
      .setSubject(user.id)
      .setIssuer(issuer)
      .setAudience(audience)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + ttlSeconds)
      .setJti(randomUUID())
      .sign(key);
  };
}

export interface ServiceTokenIssuerOptions {
  keys: KeyStore;
  issuer: string;
  /** The services' audience (shared/identity.ts, DEFAULT_SERVICE_AUDIENCE): never the users' one. */
  serviceAudience: string;
  ttlSeconds: number;
  now: () => number;
}

/**
 * Signs a service's access token (RFC 9068's JWT profile): `sub` and `client_id` name the client,
 * `scope` what it was granted, and the services' audience keeps it out of the gateway.
 */
export function createServiceTokenIssuer({ keys, issuer, serviceAudience, ttlSeconds, now }: ServiceTokenIssuerOptions) {
  return async (clientId: string, scopes: readonly string[]): Promise<string> => {
    const { kid, key } = await keys.signingKey();
    const issuedAt = Math.floor(now() / 1000);
    return new SignJWT({ scope: scopes.join(" "), client_id: clientId })
      .setProtectedHeader({ alg: TOKEN_ALGORITHM, kid, typ: "at+jwt" })
      .setSubject(clientId)
      .setIssuer(issuer)
      .setAudience(serviceAudience)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + ttlSeconds)
      .setJti(randomUUID())
      .sign(key);
  };
}
