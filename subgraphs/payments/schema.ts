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
];
