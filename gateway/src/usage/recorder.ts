/**
 * Usage recording on the request path, kept cheap: an operation's shape (signature, hash,
 * coordinates) is computed once per document and supergraph and cached; each execution then
 * only increments a counter in memory. A background timer flushes the counts to the store.
 * Memory is bounded three ways: the shape cache (per supergraph, LRU), the counts pending a
 * flush (new keys beyond the cap are dropped and counted), and the recent-operations window the
 * reload guard reads (LRU by last execution). Variables are never read.
 */
import type { IncomingHttpHeaders } from "node:http";
import { parse, type DocumentNode } from "graphql";
import { LruCache } from "../auth/lru.ts";
import type { Logger } from "../logging/logger.ts";
import { atMostEvery } from "../logging/at-most-every.ts";
import type { SupergraphSnapshot } from "../supergraph/snapshot.ts";
import { clientIdFrom } from "./client-id.ts";
import { describeOperation, type DescribedOperation, type OperationShape } from "./operation-shape.ts";
import type { ClientId, ClientUsage, RecordedOperation, UsageCount, UsageStore } from "./store.ts";

/** What recording reads of a prepared operation. */
export interface ExecutedOperation {
  readonly snapshot: SupergraphSnapshot;
  readonly source: string;
  readonly operationName: string | undefined;
  readonly queryHash: string;
  /** The client's own document when nothing was filtered; otherwise `source` is parsed (once per shape). */
  readonly document: DocumentNode;
  readonly filtered: unknown;
}

export interface UsageRecorderOptions {
  /** Absent: nothing is persisted; only the recent window (for the reload guard) is kept. */
  store: UsageStore | undefined;
  bucketMs: number;
  flushIntervalMs: number;
  /** How long counts are kept in the store. */
  retentionMs: number;
  /** Distinct (operation, client, bucket) counts held between flushes. */
  maxPendingCounts: number;
  /** Shapes cached per supergraph, and operations kept in the recent window. */
  maxOperations: number;
  /** How far back `recent()` may be asked (the reload guard's window). */
  recentWindowMs: number;
  logger: Logger;
  /** Called for every execution that touched deprecated coordinates (the metric). */
  onDeprecated?: (coordinates: readonly string[], client: ClientId) => void;
  now?: () => number;
}

interface Pending {
  readonly hash: string;
  readonly client: ClientId;
  readonly bucket: number;
  count: number;
  lastSeen: number;
}

interface Recent {
  readonly shape: OperationShape;
  readonly clients: Map<string, { client: ClientId; count: number; lastSeen: number }>;
  lastSeen: number;
}

const maxClientsPerOperation = 100;
const pruneEveryMs = 3_600_000;

export class UsageRecorder {
  private readonly now: () => number;
  private readonly shapes = new WeakMap<SupergraphSnapshot, LruCache<string, DescribedOperation | null>>();
  private pending = new Map<string, Pending>();
  private pendingShapes = new Map<string, OperationShape>();
  private readonly recentOps = new Map<string, Recent>();
  private dropped = 0;
  private readonly mayWarn = atMostEvery(60_000);
  private readonly timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private lastPrune = -Infinity;

  constructor(private readonly options: UsageRecorderOptions) {
    this.now = options.now ?? Date.now;
    if (options.store) {
      this.timer = setInterval(() => void this.flush(), options.flushIntervalMs);
      this.timer.unref();
    }
  }

  /** Counts one execution. Never throws: a failure here must not fail the request. */
  record(executed: ExecutedOperation, headers: IncomingHttpHeaders): void {
    let shape: DescribedOperation | undefined;
    try {
      shape = this.shapeOf(executed);
    } catch (e) {
      if (this.mayWarn()) this.options.logger.warn({ reason: e instanceof Error ? e.message : String(e) }, "usage recording could not describe an operation");
      return;
    }
    if (!shape) return;
    const client = clientIdFrom(headers);
    const now = this.now();
    if (shape.deprecated.length > 0) this.options.onDeprecated?.(shape.deprecated, client);
    this.remember(shape, client, now);
    if (!this.options.store) return;
    const bucket = now - (now % this.options.bucketMs);
    const key = `${shape.hash}\n${client.name}\n${client.version}\n${bucket}`;
    const counted = this.pending.get(key);
    if (counted) {
      counted.count++;
      counted.lastSeen = now;
      return;
    }
    if (this.pending.size >= this.options.maxPendingCounts) {
      this.dropped++;
      return;
    }
    this.pending.set(key, { hash: shape.hash, client, bucket, count: 1, lastSeen: now });
    this.pendingShapes.set(shape.hash, shape);
  }

  /** Operations this process executed since `since` (epoch ms), from memory, with their clients. */
  recent(since: number): RecordedOperation[] {
    const out: RecordedOperation[] = [];
    for (const entry of this.recentOps.values()) {
      if (entry.lastSeen < since) continue;
      const clients: ClientUsage[] = [];
      for (const c of entry.clients.values()) if (c.lastSeen >= since) clients.push({ ...c.client, count: c.count, lastSeen: c.lastSeen });
      out.push({ ...entry.shape, clients });
    }
    return out;
  }

  /** Writes pending counts to the store; one flush at a time. */
  flush(): Promise<void> {
    return (this.flushing ??= this.flushOnce().finally(() => (this.flushing = undefined)));
  }

  /** Stops the timer and flushes what is pending. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flushing;
    await this.flush();
  }

  private async flushOnce(): Promise<void> {
    const store = this.options.store;
    if (!store) return;
    const counts: UsageCount[] = [...this.pending.values()];
    const operations = [...this.pendingShapes.values()].map(({ hash, signature, name, type, coordinates }) => ({ hash, signature, name, type, coordinates }));
    const dropped = this.dropped;
    this.pending = new Map();
    this.pendingShapes = new Map();
    this.dropped = 0;
    if (dropped > 0) this.options.logger.warn({ dropped, maxPendingCounts: this.options.maxPendingCounts }, "usage counts dropped: more distinct operations and clients than usage.maxPendingCounts between two flushes");
    try {
      if (counts.length > 0) await store.write({ operations, counts });
      const now = this.now();
      if (now - this.lastPrune >= pruneEveryMs) {
        this.lastPrune = now;
        await store.prune(now - this.options.retentionMs);
      }
    } catch (e) {
      // Counts are lost rather than kept: memory stays bounded while the store is down.
      if (this.mayWarn()) this.options.logger.warn({ reason: e instanceof Error ? e.message : String(e), lost: counts.length }, "usage store unavailable: counts of this flush are lost");
    }
  }

  private shapeOf(executed: ExecutedOperation): DescribedOperation | undefined {
    let cache = this.shapes.get(executed.snapshot);
    if (!cache) this.shapes.set(executed.snapshot, (cache = new LruCache(this.options.maxOperations)));
    const key = `${executed.queryHash}\n${executed.operationName ?? ""}`;
    const known = cache.get(key);
    if (known !== undefined) return known ?? undefined;
    // Authorization's filtered copy lacks what the caller may not see; the client sent the whole text.
    const document = executed.filtered ? parse(executed.source) : executed.document;
    const shape = describeOperation(executed.snapshot.apiSchema, document, executed.operationName) ?? null;
    cache.set(key, shape);
    return shape ?? undefined;
  }

  private remember(shape: OperationShape, client: ClientId, now: number): void {
    let entry = this.recentOps.get(shape.hash);
    if (entry) {
      this.recentOps.delete(shape.hash); // re-inserted below: the map stays ordered by last execution
    } else {
      entry = { shape, clients: new Map(), lastSeen: now };
    }
    entry.lastSeen = now;
    this.recentOps.set(shape.hash, entry);
    const key = `${client.name}\n${client.version}`;
    const c = entry.clients.get(key);
    if (c) {
      c.count++;
      c.lastSeen = now;
    } else if (entry.clients.size < maxClientsPerOperation) {
      entry.clients.set(key, { client, count: 1, lastSeen: now });
    }
    // Oldest first: drop what fell out of the window, then what exceeds the cap.
    for (const [hash, old] of this.recentOps) {
      if (this.recentOps.size <= this.options.maxOperations && old.lastSeen >= now - this.options.recentWindowMs) break;
      this.recentOps.delete(hash);
    }
  }
}
