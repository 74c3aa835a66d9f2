/**
 * Usage in an embedded SQLite file (better-sqlite3, synchronous and fast for these small
 * writes). WAL mode and a busy timeout let several gateway processes on one host and the
 * `schema:check` CLI use one file at once.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import type { OperationShape, OperationType } from "./operation-shape.ts";
import { groupByOperation, type RecordedOperation, type UsageBatch, type UsageStore } from "./store.ts";

const schema = `
CREATE TABLE IF NOT EXISTS operations (
  hash TEXT PRIMARY KEY,
  name TEXT,
  type TEXT NOT NULL,
  signature TEXT NOT NULL,
  coordinates TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS usage (
  hash TEXT NOT NULL,
  client_name TEXT NOT NULL,
  client_version TEXT NOT NULL,
  bucket INTEGER NOT NULL,
  count INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  PRIMARY KEY (hash, client_name, client_version, bucket)
);
CREATE INDEX IF NOT EXISTS usage_bucket ON usage (bucket);
CREATE INDEX IF NOT EXISTS usage_last_seen ON usage (last_seen);
`;

interface Row {
  hash: string;
  name: string | null;
  type: OperationType;
  signature: string;
  coordinates: string;
  client_name: string;
  client_version: string;
  count: number;
  last_seen: number;
}

export class SqliteUsageStore implements UsageStore {
  private readonly db: Database.Database;
  private readonly upsertOperation: Database.Statement;
  private readonly addCount: Database.Statement;
  private readonly select: Database.Statement<[number], Row>;

  /** Opens (creating) the file; `:memory:` for a private in-process store. */
  constructor(path: string) {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("busy_timeout = 5000");
    this.db.exec(schema);
    this.upsertOperation = this.db.prepare(
      "INSERT INTO operations (hash, name, type, signature, coordinates) VALUES (?, ?, ?, ?, ?) ON CONFLICT (hash) DO UPDATE SET coordinates = excluded.coordinates",
    );
    this.addCount = this.db.prepare(
      "INSERT INTO usage (hash, client_name, client_version, bucket, count, last_seen) VALUES (?, ?, ?, ?, ?, ?) " +
        "ON CONFLICT (hash, client_name, client_version, bucket) DO UPDATE SET count = count + excluded.count, last_seen = MAX(last_seen, excluded.last_seen)",
    );
    this.select = this.db.prepare(
      "SELECT o.hash, o.name, o.type, o.signature, o.coordinates, u.client_name, u.client_version, SUM(u.count) AS count, MAX(u.last_seen) AS last_seen " +
        "FROM usage u JOIN operations o ON o.hash = u.hash WHERE u.last_seen >= ? GROUP BY o.hash, u.client_name, u.client_version",
    );
  }

  async write(batch: UsageBatch): Promise<void> {
    this.db.transaction(() => {
      for (const op of batch.operations) this.upsertOperation.run(op.hash, op.name, op.type, op.signature, JSON.stringify(op.coordinates));
      for (const c of batch.counts) this.addCount.run(c.hash, c.client.name, c.client.version, c.bucket, c.count, c.lastSeen);
    })();
  }

  async operations(since: number): Promise<RecordedOperation[]> {
    const shapes = new Map<string, OperationShape>();
    const rows = this.select.all(since).map((row) => {
      let shape = shapes.get(row.hash);
      if (!shape) {
        shape = { hash: row.hash, name: row.name, type: row.type, signature: row.signature, coordinates: JSON.parse(row.coordinates) as string[] };
        shapes.set(row.hash, shape);
      }
      return { shape, client: { name: row.client_name, version: row.client_version, count: row.count, lastSeen: row.last_seen } };
    });
    return groupByOperation(rows);
  }

  async prune(before: number): Promise<void> {
    this.db.transaction(() => {
      this.db.prepare("DELETE FROM usage WHERE bucket < ?").run(before);
      this.db.prepare("DELETE FROM operations WHERE hash NOT IN (SELECT DISTINCT hash FROM usage)").run();
    })();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
