import type { Migration } from "../shared/db.ts";
import { seedOrders } from "../shared/seed-catalog.ts";

/** The orders database's history: tables, then the 300 seeded orders. */
export const ordersMigrations: readonly Migration[] = [
  {
    name: "create tables",
    sql: `
      CREATE TABLE orders (
        seq INTEGER PRIMARY KEY,          -- o<seq>; also the tie-breaker of the newest-first order
        id TEXT NOT NULL UNIQUE,
        user_id TEXT NOT NULL,
        total_cents INTEGER NOT NULL CHECK (total_cents >= 0),
        status TEXT NOT NULL CHECK (status IN ('PENDING', 'PAID', 'SHIPPED', 'DELIVERED', 'CANCELLED')),
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX orders_by_user ON orders(user_id, created_at DESC, seq DESC);
      CREATE INDEX orders_by_time ON orders(created_at DESC, seq DESC);
      CREATE TABLE order_items (
        order_id TEXT NOT NULL,           -- no reference: an event for an unknown order is recorded as REJECTED
        position INTEGER NOT NULL,
        sku TEXT NOT NULL,
        name TEXT NOT NULL,
        quantity INTEGER NOT NULL CHECK (quantity > 0),
        unit_price_cents INTEGER NOT NULL CHECK (unit_price_cents >= 0),
        PRIMARY KEY (order_id, position)
      ) STRICT;
    `,
  },
  {
    name: "seed orders",
    run: (db) => {
      const insertOrder = db.prepare(
        "INSERT INTO orders (seq, id, user_id, total_cents, status, created_at) VALUES (?, ?, ?, ?, ?, ?)",
      );
      const insertItem = db.prepare(
        "INSERT INTO order_items (order_id, position, sku, name, quantity, unit_price_cents) VALUES (?, ?, ?, ?, ?, ?)",
      );
      for (const order of seedOrders()) {
        insertOrder.run(order.n, order.id, order.userId, order.totalCents, order.status, order.createdAt);
        order.items.forEach((item, position) =>
          insertItem.run(order.id, position, item.sku, item.name, item.quantity, item.unitPriceCents),
        );
      }
    },
  },
  {
    // REFUNDED joins the statuses (payments' refunds reach orders), and orders records which
    // payment events it applied, so each is applied once however often it is delivered.
    name: "refunds and payment events",
    rebuildsTables: true,
    sql: `
      CREATE TABLE orders_new (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        user_id TEXT NOT NULL,
        total_cents INTEGER NOT NULL CHECK (total_cents >= 0),
        status TEXT NOT NULL CHECK (status IN ('PENDING', 'PAID', 'SHIPPED', 'DELIVERED', 'CANCELLED', 'REFUNDED')),
        created_at INTEGER NOT NULL
      ) STRICT;
      INSERT INTO orders_new SELECT seq, id, user_id, total_cents, status, created_at FROM orders;
      DROP TABLE orders;
      ALTER TABLE orders_new RENAME TO orders;
      CREATE INDEX orders_by_user ON orders(user_id, created_at DESC, seq DESC);
      CREATE INDEX orders_by_time ON orders(created_at DESC, seq DESC);
      CREATE TABLE payment_events (
        event_id TEXT PRIMARY KEY,         -- the payments outbox row's id: the idempotency key
        order_id TEXT NOT NULL,           -- no reference: an event for an unknown order is recorded as REJECTED
        kind TEXT NOT NULL CHECK (kind IN ('PAID', 'REFUNDED')),
        payment_id TEXT NOT NULL,
        amount_cents INTEGER NOT NULL,
        outcome TEXT NOT NULL CHECK (outcome IN ('APPLIED', 'REJECTED')),
        reason TEXT,
        status_after TEXT NOT NULL,
        applied_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX payment_events_by_order ON payment_events(order_id);
    `,
  },
  {
    // Orders' own outbox: each status change a payment event causes is told to delivery (for its
    // subscribers), written in the change's transaction.
    name: "order status outbox",
    sql: `
      CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY,
        event_id TEXT NOT NULL UNIQUE,     -- delivery records each event id once
        order_id TEXT NOT NULL,
        status TEXT NOT NULL,              -- the order's status after the change
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
  {
    // Delivery tells orders when the goods left and when they arrived (SHIPPED, DELIVERED), once
    // per event id, as payments tells it of payments.
    name: "delivery progress events",
    sql: `
      CREATE TABLE delivery_progress (
        event_id TEXT PRIMARY KEY,         -- the delivery outbox row's id: the idempotency key
        order_id TEXT NOT NULL,            -- no reference: an event for an unknown order is recorded as REJECTED
        delivery_id TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('PICKED_UP', 'DELIVERED')),
        outcome TEXT NOT NULL CHECK (outcome IN ('APPLIED', 'REJECTED')),
        reason TEXT,
        status_after TEXT NOT NULL,
        applied_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX delivery_progress_by_order ON delivery_progress(order_id);
    `,
  },
];
