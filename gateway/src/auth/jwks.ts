/**
 * Where token-verification keys come from. A local JWKS file is read once at start. A remote
 * JWKS is fetched with a deadline and cached: the cached keys keep serving while the endpoint
 * is down (a stale set is refreshed in the background, never awaited), and an unknown `kid`
 * triggers at most one refetch per cooldown. jose's `createRemoteJWKSet` is not used because it
 * awaits a refetch once its cache is old and fails the request when that refetch fails, which
 * would turn a JWKS outage into failed requests although the keys in hand are still good.
 */
import { readFileSync } from "node:fs";
import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTVerifyGetKey } from "jose";
import type { Logger } from "../logging/logger.ts";

/** No key can be had to verify a token: the JWKS was never fetched, or a rotation cannot be confirmed. */
export class KeysUnavailableError extends Error {
  override name = "KeysUnavailableError";
}

export interface KeySource {
  readonly getKey: JWTVerifyGetKey;
}

/** Keys from a JWKS file; an unreadable or invalid file fails at start. */
export function fileKeySource(path: string): KeySource {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new Error(`cannot read the JWKS file ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!isJwks(parsed)) throw new Error(`${path} is not a JWKS (expected {"keys": [...]})`);
  return { getKey: createLocalJWKSet(parsed) };
}

export interface RemoteKeySourceOptions {
  url: string;
  timeoutMs: number;
  cooldownMs: number;
  maxAgeMs: number;
  logger: Logger;
  /** Epoch ms; injectable for tests. */
  now?: () => number;
  /** Told the result of every fetch (metrics). */
  onRefresh?: (ok: boolean) => void;
}

export class RemoteKeySource implements KeySource {
  private local: JWTVerifyGetKey | undefined;
  private fetchedAt = Number.NEGATIVE_INFINITY;
  private attemptedAt = Number.NEGATIVE_INFINITY;
  private lastAttemptFailed = false;
  private inflight: Promise<void> | undefined;
  private kidRefresh: Promise<void> | undefined;
  private readonly now: () => number;

  constructor(private readonly options: RemoteKeySourceOptions) {
    this.now = options.now ?? Date.now;
  }

  readonly getKey: JWTVerifyGetKey = async (header, token) => {
    if (!this.local) {
      await this.refresh();
      if (!this.local) throw new KeysUnavailableError("the JWKS endpoint could not be reached and no key is cached");
    } else if (this.now() - this.fetchedAt >= this.options.maxAgeMs) {
      void this.refresh();
    }
    try {
      return await this.local(header, token);
    } catch (e) {
      if (!(e instanceof errors.JWKSNoMatchingKey)) throw e;
    }
    // An unknown kid is usually a key rotation: refetch (once per cooldown) and look again.
    await this.refreshForUnknownKid();
    try {
      return await this.local(header, token);
    } catch (e) {
      if (e instanceof errors.JWKSNoMatchingKey && this.lastAttemptFailed) {
        throw new KeysUnavailableError("the token's key is not cached and the JWKS endpoint could not be reached");
      }
      throw e;
    }
  };

  /** Fetches the key set now; concurrent callers share one fetch. Never throws. */
  refresh(): Promise<void> {
    return (this.inflight ??= this.fetchKeys().finally(() => {
      this.inflight = undefined;
    }));
  }

  private refreshForUnknownKid(): Promise<void> {
    return (this.kidRefresh ??= (async () => {
      const wait = this.attemptedAt + this.options.cooldownMs - this.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      await this.refresh();
    })().finally(() => {
      this.kidRefresh = undefined;
    }));
  }

  private async fetchKeys(): Promise<void> {
    this.attemptedAt = this.now();
    try {
      const response = await fetch(this.options.url, {
        signal: AbortSignal.timeout(this.options.timeoutMs),
        headers: { accept: "application/json" },
        redirect: "error",
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const body: unknown = await response.json();
      if (!isJwks(body)) throw new Error('the response is not a JWKS (expected {"keys": [...]})');
      this.local = createLocalJWKSet(body);
      this.fetchedAt = this.now();
      this.lastAttemptFailed = false;
      this.options.onRefresh?.(true);
    } catch (e) {
      this.lastAttemptFailed = true;
      this.options.onRefresh?.(false);
      this.options.logger.warn(
        { url: this.options.url, reason: e instanceof Error ? e.message : String(e), cachedKeys: this.local !== undefined },
        "JWKS fetch failed",
      );
    }
  }
}

function isJwks(value: unknown): value is JSONWebKeySet {
  return typeof value === "object" && value !== null && Array.isArray((value as { keys?: unknown }).keys);
}
