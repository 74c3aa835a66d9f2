import type { Migration } from "../../subgraphs/shared/db.ts";
import { seedCharges } from "./seed.ts";

/** The provider's database: charges and refunds, each unique per idempotency key, then the seed. */
export const providerMigrations: readonly Migration[] = [
  {
    name: "create tables",
    sql: `
      CREATE TABLE charges (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        amount INTEGER NOT NULL CHECK (amount > 0),
        currency TEXT NOT NULL DEFAULT 'usd',
        status TEXT NOT NULL CHECK (status IN ('succeeded', 'failed', 'refunded')),
        amount_refunded INTEGER NOT NULL DEFAULT 0,
        payment_id TEXT,                 -- the merchant's reference (metadata)
        order_id TEXT,
        idempotency_key TEXT UNIQUE,     -- NULL for seeded rows
        request_hash TEXT,               -- what the key was first used with
        created INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE refunds (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        charge_id TEXT NOT NULL REFERENCES charges(id),
        amount INTEGER NOT NULL CHECK (amount > 0),
        status TEXT NOT NULL CHECK (status IN ('succeeded')),
        idempotency_key TEXT UNIQUE,
        request_hash TEXT,
        created INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX refunds_by_charge ON refunds(charge_id, seq);
    `,
  },
  {
    name: "seed charges",
    run: (db) => {
      const charge = db.prepare(
        `INSERT INTO charges (seq, id, amount, status, amount_refunded, payment_id, order_id, created)
         VALUES (@seq, @id, @amount, @status, @amountRefunded, @paymentId, @orderId, @created)`,
      );
      const refund = db.prepare(`INSERT INTO refunds (id, charge_id, amount, status, created) VALUES (?, ?, ?, 'succeeded', ?)`);
      for (const row of seedCharges()) {
        charge.run(row);
        if (row.status === "refunded") refund.run(`re_${row.paymentId}`, row.id, row.amount, row.created + 3_600_000);
      }
    },
  },
];
