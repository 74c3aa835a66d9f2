import type { Migration } from "../shared/db.ts";
import { seedPayments } from "./seed.ts";

/** The payments database's history: tables, then the seeded payments. */
export const paymentsMigrations: readonly Migration[] = [
  {
    name: "create tables",
    sql: `
      CREATE TABLE payments (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        order_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        amount_cents INTEGER NOT NULL CHECK (amount_cents >= 0),
        method TEXT NOT NULL CHECK (method IN ('CARD', 'PAYPAL', 'BANK_TRANSFER')),
        status TEXT NOT NULL CHECK (status IN ('PENDING', 'SUCCEEDED', 'FAILED', 'REFUNDED')),
        idempotency_key TEXT,              -- NULL for seeded rows; NULLs never collide in UNIQUE
        created_at INTEGER NOT NULL,
        -- The guarantee behind payOrder: one payment per caller and key, whatever the races.
        UNIQUE (user_id, idempotency_key)
      ) STRICT;
      CREATE INDEX payments_by_order ON payments(order_id, created_at, seq);
    `,
  },
  {
    name: "seed payments",
    run: (db) => {
      const insert = db.prepare(
        `INSERT INTO payments (seq, id, order_id, user_id, amount_cents, method, status, created_at)
         VALUES (@seq, @id, @orderId, @userId, @amountCents, @method, @status, @createdAt)`,
      );
      for (const row of seedPayments()) insert.run(row);
    },
  },
  {
    // The transactional outbox: a payment or refund and the event telling orders of it commit
    // together, so orders learns of every one, exactly once, whichever side restarts.
    name: "outbox",
    sql: `
      CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY,
        event_id TEXT NOT NULL UNIQUE,     -- orders applies each event id once
        kind TEXT NOT NULL CHECK (kind IN ('PAID', 'REFUNDED')),
        order_id TEXT NOT NULL,
        payment_id TEXT NOT NULL,
        amount_cents INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,  -- also the lease: a relay claiming a row pushes it forward
        delivered_at INTEGER,
        outcome TEXT,                      -- orders' answer: APPLIED, DUPLICATE or REJECTED
        last_error TEXT
      ) STRICT;
      CREATE INDEX outbox_pending ON outbox(next_attempt_at) WHERE delivered_at IS NULL;
    `,
  },
  {
    // The provider's charge behind each payment (services/payment-provider): seeded payment p<n>
    // was charged as ch_p<n>, which the provider's seed holds too.
    name: "charge ids",
    sql: `
      ALTER TABLE payments ADD COLUMN charge_id TEXT;
      UPDATE payments SET charge_id = 'ch_' || id WHERE idempotency_key IS NULL;
    `,
  },
];
