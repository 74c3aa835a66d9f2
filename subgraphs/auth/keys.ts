import { calculateJwkThumbprint, errors, exportJWK, generateKeyPair, importJWK, type JWK, type JWTVerifyGetKey } from "jose";
import type { Db } from "../shared/db.ts";
import { TOKEN_ALGORITHM } from "../shared/identity.ts";

type SigningKeyRow = { kid: string; private_jwk: string; public_jwk: string; retire_at: number | null };

/** How long verification trusts its cached copy of the key table before reading it again. */
const PUBLISHED_CACHE_MS = 5000;
type ImportedKey = Awaited<ReturnType<typeof importJWK>>;

export interface KeyStoreOptions {
  db: Db;
  now: () => number;
  /** How long a replaced key stays published so tokens it signed still verify: 2x the token TTL. */
  retireAfterMs: number;
}

/**
 * ES256 signing keys persisted in the auth database. Every call reads the table (a tiny
 * indexed query) so another process rotating the key, such as the --rotate-key CLI, takes
 * effect at once; imported CryptoKeys are cached by kid.
 */
export class KeyStore {
  readonly #db: Db;
  readonly #now: () => number;
  readonly #retireAfterMs: number;
  readonly #imported = new Map<string, ImportedKey>();
  #published: { rows: SigningKeyRow[]; loadedAt: number } | undefined;
  readonly #statements;

  constructor({ db, now, retireAfterMs }: KeyStoreOptions) {
    this.#db = db;
    this.#now = now;
    this.#retireAfterMs = retireAfterMs;
    this.#statements = {
      active: db.prepare<[], SigningKeyRow>(
        "SELECT kid, private_jwk, public_jwk, retire_at FROM signing_keys WHERE retire_at IS NULL ORDER BY created_at DESC, rowid DESC LIMIT 1",
      ),
      published: db.prepare<[number], SigningKeyRow>(
        "SELECT kid, private_jwk, public_jwk, retire_at FROM signing_keys WHERE retire_at IS NULL OR retire_at > ? ORDER BY created_at DESC, rowid DESC",
      ),
      insert: db.prepare(
        "INSERT INTO signing_keys (kid, alg, private_jwk, public_jwk, created_at) VALUES (@kid, @alg, @privateJwk, @publicJwk, @createdAt)",
      ),
      retireActive: db.prepare<[number]>("UPDATE signing_keys SET retire_at = ? WHERE retire_at IS NULL"),
      // Retired keys' private halves serve no purpose; drop them.
      deleteRetired: db.prepare<[number]>("DELETE FROM signing_keys WHERE retire_at IS NOT NULL AND retire_at <= ?"),
    };
  }

  /** Creates the first key on a fresh database. */
  async ensureSigningKey(): Promise<void> {
    if (!this.#statements.active.get()) await this.rotate();
  }

  /** Makes a new key the signing key; the previous one stays published for `retireAfterMs`. */
  async rotate(): Promise<{ kid: string }> {
    const { privateKey, publicKey } = await generateKeyPair(TOKEN_ALGORITHM, { extractable: true });
    const publicJwk = await exportJWK(publicKey);
    const privateJwk = await exportJWK(privateKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    const meta = { kid, alg: TOKEN_ALGORITHM, use: "sig" };
    const now = this.#now();
    this.#db.transaction(() => {
      this.#statements.retireActive.run(now + this.#retireAfterMs);
      this.#statements.deleteRetired.run(now);
      this.#statements.insert.run({
        kid,
        alg: TOKEN_ALGORITHM,
        privateJwk: JSON.stringify({ ...privateJwk, ...meta }),
        publicJwk: JSON.stringify({ ...publicJwk, ...meta }),
        createdAt: now,
      });
    })();
    this.#published = undefined;
    return { kid };
  }

  /** The current signing key. */
  async signingKey(): Promise<{ kid: string; key: ImportedKey }> {
    const row = this.#statements.active.get();
    if (!row) throw new Error("no signing key: call ensureSigningKey() first");
    return { kid: row.kid, key: await this.#import(`private:${row.kid}`, row.private_jwk) };
  }

  /** The public keys to publish at /.well-known/jwks.json: the signing key and not-yet-retired ones. */
  publishedJwks(): { keys: JWK[] } {
    return { keys: this.#statements.published.all(this.#now()).map((row) => JSON.parse(row.public_jwk) as JWK) };
  }

  /**
   * jose key resolver: only published keys verify, so a retired key's tokens stop working.
   * Verification runs on every request, so it reads a cached copy of the table, re-read after
   * a few seconds or at once when a token names a kid the copy lacks (a rotation elsewhere).
   */
  readonly getKey: JWTVerifyGetKey = async (header) => {
    const row = this.#findPublished(header.kid, false) ?? this.#findPublished(header.kid, true);
    if (!row) throw new errors.JWKSNoMatchingKey();
    return this.#import(`public:${row.kid}`, row.public_jwk);
  };

  #findPublished(kid: string | undefined, reload: boolean): SigningKeyRow | undefined {
    const now = this.#now();
    if (reload || !this.#published || now - this.#published.loadedAt > PUBLISHED_CACHE_MS) {
      this.#published = { rows: this.#statements.published.all(now), loadedAt: now };
    }
    return this.#published.rows.find((row) => row.kid === kid && (row.retire_at === null || row.retire_at > now));
  }

  async #import(cacheKey: string, jwk: string): Promise<ImportedKey> {
    let key = this.#imported.get(cacheKey);
    if (!key) {
      key = await importJWK(JSON.parse(jwk) as JWK, TOKEN_ALGORITHM);
      this.#imported.set(cacheKey, key);
    }
    return key;
  }
}
