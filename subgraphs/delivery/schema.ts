import type { Migration } from "../shared/db.ts";
import { seedDeliveries } from "./seed.ts";

/** The delivery database's history: tables, then one delivery per seeded order. */
export const deliveryMigrations: readonly Migration[] = [
  {
    name: "create tables",
    sql: `
      CREATE TABLE deliveries (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        order_id TEXT NOT NULL UNIQUE,
        customer_id TEXT NOT NULL,        -- the order's owner, kept here so reads can be checked locally
        courier_id TEXT,
        status TEXT NOT NULL CHECK (status IN ('PENDING', 'ASSIGNED', 'PICKED_UP', 'IN_TRANSIT', 'DELIVERED', 'FAILED')),
        eta INTEGER,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX deliveries_by_courier ON deliveries(courier_id, updated_at DESC, seq DESC);
      CREATE INDEX deliveries_by_time ON deliveries(updated_at DESC, seq DESC);
      CREATE TABLE delivery_events (
        seq INTEGER PRIMARY KEY,
        delivery_id TEXT NOT NULL REFERENCES deliveries(id),
        status TEXT NOT NULL,
        at INTEGER NOT NULL,
        note TEXT
      ) STRICT;
      CREATE INDEX delivery_events_by_delivery ON delivery_events(delivery_id, seq);
    `,
  },
  {
    name: "seed deliveries",
    run: (db) => {
      const insertDelivery = db.prepare(
        `INSERT INTO deliveries (seq, id, order_id, customer_id, courier_id, status, eta, created_at, updated_at)
         VALUES (@seq, @id, @orderId, @customerId, @courierId, @status, @eta, @createdAt, @updatedAt)`,
      );
      const insertEvent = db.prepare("INSERT INTO delivery_events (delivery_id, status, at, note) VALUES (?, ?, ?, ?)");
      for (const { events, ...delivery } of seedDeliveries()) {
        insertDelivery.run(delivery);
        for (const event of events) insertEvent.run(delivery.id, event.status, event.at, event.note);
      }
    },
  },
  {
    // The order status changes orders told delivery of, once per event id.
    name: "order status events",
    sql: `
      CREATE TABLE order_status_events (
        event_id TEXT PRIMARY KEY,
        order_id TEXT NOT NULL,
        status TEXT NOT NULL,
        recorded_at INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    // Delivery's outbox: each time the goods leave or arrive, a row for orders (the order becomes
    // SHIPPED or DELIVERED), written in the status change's transaction and sent by the relay.
    name: "delivery progress outbox",
    sql: `
      CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY,
        event_id TEXT NOT NULL UNIQUE,     -- orders applies each event id once
        order_id TEXT NOT NULL,
        delivery_id TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('PICKED_UP', 'DELIVERED')),
        created_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        delivered_at INTEGER,
        outcome TEXT,
        last_error TEXT
      ) STRICT;
      CREATE INDEX outbox_pending ON outbox(next_attempt_at) WHERE delivered_at IS NULL;
    `,
  },
];
