/**
 * A service's own access token, from the auth service's client-credentials grant: fetched when
 * first needed, reused until shortly before it expires, fetched once for every caller waiting at
 * that moment, and dropped when a callee answers that it no longer accepts it.
 */
import { serviceClientSecret } from "./seed-catalog.ts";

export interface ServiceTokenSourceOptions {
  /** The auth service's token endpoint (http://host:port/oauth/token). */
  tokenUrl: string;
  clientId: string;
  /** Default the seeded client's secret (env <NAME>_CLIENT_SECRET, else the demo secret). */
  clientSecret?: string;
  /** Scopes to ask for; default every scope the client is registered with. */
  scopes?: readonly string[];
  /** Default 5000 ms. */
  timeoutMs?: number;
  now?: () => number;
}

export interface ServiceTokenSource {
  /** A token valid for at least a few more seconds. */
  token(): Promise<string>;
  /** Forgets the cached token (a callee refused it: a rotated key, a restarted auth service). */
  invalidate(): void;
}

/** The auth service's token endpoint beside its JWKS (both are on the auth service's origin). */
export const tokenUrlFromJwksUrl = (jwksUrl: string): string => new URL("/oauth/token", jwksUrl).href;

/** Thrown when no token can be had; the message says why, without the secret. */
export class ServiceTokenError extends Error {}

export function createServiceTokenSource(options: ServiceTokenSourceOptions): ServiceTokenSource {
  const now = options.now ?? Date.now;
  const secret = options.clientSecret ?? serviceClientSecret(options.clientId);
  if (!secret) throw new ServiceTokenError(`no secret for service client ${options.clientId}`);
  let cached: { token: string; refreshAt: number } | undefined;
  let inFlight: Promise<string> | undefined;

  const fetchToken = async (): Promise<string> => {
    const form = new URLSearchParams({ grant_type: "client_credentials" });
    if (options.scopes) form.set("scope", options.scopes.join(" "));
    const basic = Buffer.from(`${encodeURIComponent(options.clientId)}:${encodeURIComponent(secret)}`).toString("base64");
    let response: Response;
    try {
      response = await fetch(options.tokenUrl, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", authorization: `Basic ${basic}` },
        body: form.toString(),
        signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
      });
    } catch (error) {
      throw new ServiceTokenError(`the auth service is unreachable: ${(error as Error).message}`);
    }
    const body = (await response.json().catch(() => ({}))) as { access_token?: string; expires_in?: number; error?: string };
    if (!response.ok || !body.access_token) throw new ServiceTokenError(`token request refused: HTTP ${response.status} ${body.error ?? ""}`.trim());
    const lifetimeMs = (body.expires_in ?? 60) * 1000;
    // Renew after four fifths of the lifetime, so a token is never used in its last seconds.
    cached = { token: body.access_token, refreshAt: now() + lifetimeMs * 0.8 };
    return body.access_token;
  };

  return {
    token: () => {
      if (cached && now() < cached.refreshAt) return Promise.resolve(cached.token);
      inFlight ??= fetchToken().finally(() => (inFlight = undefined));
      return inFlight;
    },
    invalidate: () => void (cached = undefined),
  };
}
