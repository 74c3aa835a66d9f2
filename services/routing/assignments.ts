/**
 * Courier assignments made through AssignCourier, in SQLite so that every instance sharing the
 * file agrees on who drives a delivery and an idempotency key is honoured on whichever instance a
 * retry reaches (`npm start` gives both instances data/routing.db; tests use ":memory:"). The
 * seeded routes stay in memory; an assignment here overrides the seed's courier.
 */
import { openDatabase, type Db, type Migration } from "../../subgraphs/shared/db.ts";

const migrations: readonly Migration[] = [
  {
    name: "courier assignments",
    sql: `CREATE TABLE assignments (
      idempotency_key TEXT PRIMARY KEY,
      delivery_id TEXT NOT NULL,
      courier_id TEXT NOT NULL,
      revision INTEGER NOT NULL,
      assigned_at INTEGER NOT NULL,
      UNIQUE (delivery_id, revision)
    )`,
  },
];

export interface Assignment {
  deliveryId: string;
  courierId: string;
  revision: number;
  assignedAtEpochMs: number;
  replayed: boolean;
}

/** The idempotency key was used before for another delivery or courier. */
export class KeyReusedError extends Error {
  override name = "KeyReusedError";
}

interface Row {
  delivery_id: string;
  courier_id: string;
  revision: number;
  assigned_at: number;
}

export class AssignmentStore {
  private readonly db: Db;

  constructor(path: string) {
    ({ db: this.db } = openDatabase({ path, migrations, synchronous: "FULL" }));
  }

  /** The courier of the delivery's latest assignment, if any was made here. */
  courierOf(deliveryId: string): string | undefined {
    return this.db.prepare("SELECT courier_id FROM assignments WHERE delivery_id = ? ORDER BY revision DESC LIMIT 1").pluck().get(deliveryId) as string | undefined;
  }

  /**
   * Records the assignment once per key. IMMEDIATE: two instances given one key at once take the
   * write lock in turn, so the second finds the first's row and replays it.
   */
  assign(deliveryId: string, courierId: string, key: string, now: number): Assignment {
    return this.db
      .transaction((): Assignment => {
        const seen = this.db.prepare("SELECT delivery_id, courier_id, revision, assigned_at FROM assignments WHERE idempotency_key = ?").get(key) as Row | undefined;
        if (seen) {
          if (seen.delivery_id !== deliveryId || seen.courier_id !== courierId) throw new KeyReusedError("idempotency_key was used for another assignment");
          return { deliveryId, courierId, revision: seen.revision, assignedAtEpochMs: seen.assigned_at, replayed: true };
        }
        const last = this.db.prepare("SELECT MAX(revision) FROM assignments WHERE delivery_id = ?").pluck().get(deliveryId) as number | null;
        const revision = (last ?? 0) + 1;
        this.db.prepare("INSERT INTO assignments (idempotency_key, delivery_id, courier_id, revision, assigned_at) VALUES (?, ?, ?, ?, ?)").run(key, deliveryId, courierId, revision, now);
        return { deliveryId, courierId, revision, assignedAtEpochMs: now, replayed: false };
      })
      .immediate();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
