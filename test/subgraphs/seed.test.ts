import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { authMigrations } from "../../subgraphs/auth/schema.ts";
import { verifyPassword } from "../../subgraphs/auth/passwords.ts";
import { userSeedRows } from "../../subgraphs/auth/seed.ts";
import { serviceClientSeedRows } from "../../subgraphs/auth/service-clients.ts";
import { deliveryMigrations } from "../../subgraphs/delivery/schema.ts";
import { ordersMigrations } from "../../subgraphs/orders/schema.ts";
import { paymentsMigrations } from "../../subgraphs/payments/schema.ts";
import { openDatabase, type Db, type Migration } from "../../subgraphs/shared/db.ts";

/** Every row of every table, in primary-key order. */
function dump(db: Db): Record<string, unknown[]> {
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all() as string[];
  return Object.fromEntries(tables.map((table) => [table, db.prepare(`SELECT * FROM "${table}" ORDER BY 1`).all()]));
}

const fresh = (migrations: readonly Migration[]) => openDatabase({ path: ":memory:", migrations }).db;

describe("deterministic seed data", () => {
  it("fills two fresh databases of each service with identical rows", async () => {
    const services: [string, readonly Migration[]][] = [
      ["auth", authMigrations(await userSeedRows(), await serviceClientSeedRows())],
      ["orders", ordersMigrations],
      ["delivery", deliveryMigrations],
      ["payments", paymentsMigrations],
    ];
    for (const [name, migrations] of services) {
      const [a, b] = [fresh(migrations), fresh(migrations)];
      assert.deepEqual(dump(a), dump(b), `${name} differs between two fresh databases`);
      a.close();
      b.close();
    }
  });

  it("keeps the four named users and stores only scrypt hashes of the demo password", async () => {
    const rows = await userSeedRows();
    const named = rows.slice(0, 4).map(({ id, email, name, roles }) => ({ id, email, name, roles: JSON.parse(roles) }));
    assert.deepEqual(named, [
      { id: "u1", email: "alice@example.com", name: "Alice Example", roles: ["customer"] },
      { id: "u2", email: "bob@example.com", name: "Bob Example", roles: ["customer"] },
      { id: "u3", email: "carol@example.com", name: "Carol Courier", roles: ["courier"] },
      { id: "u4", email: "admin@example.com", name: "Admin Example", roles: ["admin"] },
    ]);
    assert.equal(new Set(rows.map((r) => r.passwordHash.split("$")[4])).size, rows.length, "one salt per user");
    assert.ok(rows.every((r) => r.passwordHash.startsWith("scrypt$16384$8$1$")));
    assert.ok(await verifyPassword("demo-password", rows[0]!.passwordHash));
    assert.equal(await verifyPassword("Demo-password", rows[0]!.passwordHash), false);
  });

  it("agrees across services: 300 orders, a delivery d<n> per order o<n>, payments charging the order total", () => {
    const orders = fresh(ordersMigrations);
    const deliveries = fresh(deliveryMigrations);
    const payments = fresh(paymentsMigrations);
    try {
      const orderRows = orders.prepare("SELECT id, user_id AS userId, total_cents AS total FROM orders ORDER BY seq").all() as {
        id: string;
        userId: string;
        total: number;
      }[];
      assert.equal(orderRows.length, 300);
      const byId = new Map(orderRows.map((o) => [o.id, o]));

      const deliveryRows = deliveries.prepare("SELECT id, order_id AS orderId, customer_id AS customerId FROM deliveries").all() as {
        id: string;
        orderId: string;
        customerId: string;
      }[];
      assert.equal(deliveryRows.length, 300);
      for (const d of deliveryRows) {
        assert.equal(d.id, `d${d.orderId.slice(1)}`);
        assert.equal(d.customerId, byId.get(d.orderId)!.userId);
      }

      const paymentRows = payments.prepare("SELECT id, order_id AS orderId, user_id AS userId, amount_cents AS amount FROM payments").all() as {
        id: string;
        orderId: string;
        userId: string;
        amount: number;
      }[];
      assert.ok(paymentRows.length > 150 && paymentRows.length < 300, "most orders have a payment");
      for (const p of paymentRows) {
        assert.equal(p.id, `p${p.orderId.slice(1)}`);
        assert.equal(p.amount, byId.get(p.orderId)!.total);
        assert.equal(p.userId, byId.get(p.orderId)!.userId);
      }
    } finally {
      for (const db of [orders, deliveries, payments]) db.close();
    }
  });
});
