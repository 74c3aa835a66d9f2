import Database from "better-sqlite3";
import { ensureParentDir } from "./paths.ts";

export type Db = Database.Database;

/**
 * One step of a database's history. Steps run in order, each in its own transaction, and
 * `PRAGMA user_version` records how many have run, so a restart never repeats one.
 */
export interface Migration {
  name: string;
  /** Schema changes as SQL. */
  sql?: string;
  /** Data changes (the seed) that need code. */
  run?: (db: Db) => void;
  /**
   * Runs with foreign-key enforcement off, as SQLite's procedure for rebuilding a table that
   * others reference requires (a CHECK constraint cannot be altered in place); the references
   * are checked before the step commits.
   */
  rebuildsTables?: boolean;
}

export interface OpenDatabaseOptions {
  /** File path or ":memory:". */
  path: string;
  migrations: readonly Migration[];
  /**
   * NORMAL in WAL mode keeps every committed transaction across a process crash (only an OS
   * crash or power cut can roll back the last ones); FULL also survives those, at an fsync per
   * commit. Default NORMAL.
   */
  synchronous?: "NORMAL" | "FULL";
}

export interface OpenedDatabase {
  db: Db;
  /** How many SQL statements this connection has executed so far for requests (batching tests read deltas). */
  sqlCount(): number;
  /** Runs background work (an outbox relay's polls) without counting its statements in sqlCount. */
  uncounted<T>(work: () => T): T;
}

/** Opens (creating if needed) a subgraph's own SQLite file, applies pending migrations. */
export function openDatabase({ path, migrations, synchronous = "NORMAL" }: OpenDatabaseOptions): OpenedDatabase {
  ensureParentDir(path);
  let executed = 0;
  let counting = true;
  // better-sqlite3 calls `verbose` once per statement execution (prepared or exec), which makes
  // it an exact counter without wrapping every statement by hand.
  const db = new Database(path, { verbose: () => void (counting && executed++) });
  db.pragma("journal_mode = WAL");
  db.pragma(`synchronous = ${synchronous}`);
  db.pragma("foreign_keys = ON");
  // Several instances of one subgraph may share a file; wait for a writer instead of failing.
  db.pragma("busy_timeout = 5000");
  migrate(db, migrations);
  const uncounted = <T>(work: () => T): T => {
    counting = false;
    try {
      return work();
    } finally {
      counting = true;
    }
  };
  return { db, sqlCount: () => executed, uncounted };
}

function migrate(db: Db, migrations: readonly Migration[]): void {
  const applied = db.pragma("user_version", { simple: true }) as number;
  migrations.slice(applied).forEach((migration, offset) => {
    // The pragma is a no-op inside a transaction, so it is switched around it.
    if (migration.rebuildsTables) db.pragma("foreign_keys = OFF");
    try {
      // IMMEDIATE takes the write lock first, so two processes starting on one new file cannot
      // both seed it.
      db.transaction(() => {
        const current = db.pragma("user_version", { simple: true }) as number;
        if (current !== applied + offset) return;
        if (migration.sql) db.exec(migration.sql);
        migration.run?.(db);
        if (migration.rebuildsTables && (db.pragma("foreign_key_check") as unknown[]).length > 0) {
          throw new Error(`migration "${migration.name}" left dangling references`);
        }
        db.pragma(`user_version = ${applied + offset + 1}`);
      }).immediate();
    } finally {
      if (migration.rebuildsTables) db.pragma("foreign_keys = ON");
    }
  });
}

/** A JSON array parameter for `IN (SELECT value FROM json_each(?))`: one statement for any list size. */
export const jsonList = (values: readonly (string | number)[]): string => JSON.stringify(values);
