/**
 * Where recorded usage lives: an embedded SQLite file (sqlite-store.ts) by default, or Redis
 * (redis-store.ts) so every replica's usage lands in one place. Both keep operation shapes
 * (signature, coordinates) once per hash and counts per operation, client and time bucket.
 */
import type { OperationShape } from "./operation-shape.ts";

/** A client as it names itself (`apollographql-client-name` / `-version`); "" when it did not. */
export interface ClientId {
  readonly name: string;
  readonly version: string;
}

/** Executions of one operation by one client within one bucket. */
export interface UsageCount {
  readonly hash: string;
  readonly client: ClientId;
  /** Bucket start, epoch ms. */
  readonly bucket: number;
  readonly count: number;
  /** Epoch ms of the last execution counted. */
  readonly lastSeen: number;
}

/** One flush: the shapes of the operations counted (written once per hash) and the counts. */
export interface UsageBatch {
  readonly operations: readonly OperationShape[];
  readonly counts: readonly UsageCount[];
}

export interface ClientUsage extends ClientId {
  readonly count: number;
  readonly lastSeen: number;
}

/** An operation executed in a window, with who executed it. */
export interface RecordedOperation extends OperationShape {
  readonly clients: readonly ClientUsage[];
}

export interface UsageStore {
  /** Adds the batch's counts to what is stored. */
  write(batch: UsageBatch): Promise<void>;
  /**
   * Operations executed at or after `since` (epoch ms), with their clients' counts in the buckets
   * that reach into the window (so counts are as fine as the buckets; last-seen times are exact).
   */
  operations(since: number): Promise<RecordedOperation[]>;
  /** Forgets counts in buckets before `before` and shapes nothing refers to any more. */
  prune(before: number): Promise<void>;
  close(): Promise<void>;
}

/** Groups per-client rows into operations (both stores read rows of this shape). */
export function groupByOperation(rows: Iterable<{ shape: OperationShape; client: ClientUsage }>): RecordedOperation[] {
  const byHash = new Map<string, { shape: OperationShape; clients: ClientUsage[] }>();
  for (const { shape, client } of rows) {
    let entry = byHash.get(shape.hash);
    if (!entry) byHash.set(shape.hash, (entry = { shape, clients: [] }));
    const same = entry.clients.findIndex((c) => c.name === client.name && c.version === client.version);
    if (same >= 0) {
      const prior = entry.clients[same]!;
      entry.clients[same] = { ...prior, count: prior.count + client.count, lastSeen: Math.max(prior.lastSeen, client.lastSeen) };
    } else {
      entry.clients.push(client);
    }
  }
  return [...byHash.values()].map(({ shape, clients }) => ({ ...shape, clients: clients.sort((a, b) => b.count - a.count) }));
}
