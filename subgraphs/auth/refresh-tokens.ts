import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { Db } from "../shared/db.ts";

export type RotationResult =
  | { kind: "rotated"; userId: string; token: string }
  | { kind: "unknown" }
  | { kind: "expired" }
  | { kind: "revoked" }
  /** An already-rotated token came back: someone holds a copy, so the family is revoked. */
  | { kind: "reused"; familyId: string };

type TokenRow = { family_id: string; user_id: string; expires_at: number; used_at: number | null; revoked_at: number | null };

const hashToken = (token: string): string => createHash("sha256").update(token).digest("hex");

/**
 * Refresh tokens in rotation families: each use replaces the token with a new one of the same
 * family; only SHA-256 hashes are stored, so a database leak yields no usable token.
 */
export class RefreshTokenStore {
  readonly #db: Db;
  readonly #now: () => number;
  readonly #ttlMs: number;
  readonly #statements;

  constructor({ db, now, ttlSeconds }: { db: Db; now: () => number; ttlSeconds: number }) {
    this.#db = db;
    this.#now = now;
    this.#ttlMs = ttlSeconds * 1000;
    this.#statements = {
      insert: db.prepare(
        "INSERT INTO refresh_tokens (token_hash, family_id, user_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
      ),
      find: db.prepare<[string], TokenRow>(
        "SELECT family_id, user_id, expires_at, used_at, revoked_at FROM refresh_tokens WHERE token_hash = ?",
      ),
      markUsed: db.prepare<[number, string]>("UPDATE refresh_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL"),
      revokeFamily: db.prepare<[number, string]>(
        "UPDATE refresh_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL",
      ),
      // Expired rows can no longer be presented (nor reused), so they are dead weight.
      prune: db.prepare<[number]>("DELETE FROM refresh_tokens WHERE expires_at <= ?"),
    };
  }

  /** Starts a new family (a login). */
  issue(userId: string): string {
    this.#statements.prune.run(this.#now());
    return this.#insert(userId, randomUUID());
  }

  /** Exchanges a token for its successor, atomically, so two racing uses cannot both succeed. */
  rotate(token: string): RotationResult {
    return this.#db.transaction((): RotationResult => {
      const now = this.#now();
      const row = this.#statements.find.get(hashToken(token));
      if (!row) return { kind: "unknown" };
      if (row.revoked_at !== null) return { kind: "revoked" };
      if (row.used_at !== null) {
        this.#statements.revokeFamily.run(now, row.family_id);
        return { kind: "reused", familyId: row.family_id };
      }
      if (row.expires_at <= now) return { kind: "expired" };
      this.#statements.markUsed.run(now, hashToken(token));
      return { kind: "rotated", userId: row.user_id, token: this.#insert(row.user_id, row.family_id) };
    }).immediate();
  }

  #insert(userId: string, familyId: string): string {
    const token = randomBytes(32).toString("base64url");
    const now = this.#now();
    this.#statements.insert.run(hashToken(token), familyId, userId, now, now + this.#ttlMs);
    return token;
  }
}
