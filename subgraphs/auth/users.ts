import type { Db } from "../shared/db.ts";
import { jsonList } from "../shared/db.ts";

export interface UserRecord {
  id: string;
  email: string;
  name: string;
  roles: string[];
  passwordHash: string;
}

type UserRow = { id: string; email: string; name: string; roles: string; password_hash: string };

const toRecord = (row: UserRow): UserRecord => ({
  id: row.id,
  email: row.email,
  name: row.name,
  roles: JSON.parse(row.roles) as string[],
  passwordHash: row.password_hash,
});

/** The users table's queries, prepared once per connection. */
export class UserRepository {
  readonly #byEmail;
  readonly #byIds;

  constructor(db: Db) {
    this.#byEmail = db.prepare<[string], UserRow>("SELECT * FROM users WHERE email = ?");
    this.#byIds = db.prepare<[string], UserRow>("SELECT * FROM users WHERE id IN (SELECT value FROM json_each(?))");
  }

  byEmail(email: string): UserRecord | undefined {
    const row = this.#byEmail.get(email.trim().toLowerCase());
    return row && toRecord(row);
  }

  /** One query for any number of ids (the loaders' batch function). */
  byIds(ids: readonly string[]): UserRecord[] {
    return this.#byIds.all(jsonList(ids)).map(toRecord);
  }
}
