import { jsonList, type Db } from "../shared/db.ts";

export type OrderStatus = "PENDING" | "PAID" | "SHIPPED" | "DELIVERED" | "CANCELLED" | "REFUNDED";

export interface OrderRecord {
  seq: number;
  id: string;
  userId: string;
  totalCents: number;
  status: OrderStatus;
  /** Epoch milliseconds. */
  createdAt: number;
}

export interface OrderItemRecord {
  orderId: string;
  sku: string;
  name: string;
  quantity: number;
  unitPriceCents: number;
}

/** A position in the newest-first order: (createdAt, seq) descending. */
export interface OrderPosition {
  createdAt: number;
  seq: number;
}

const ORDER_COLUMNS = "seq, id, user_id AS userId, total_cents AS totalCents, status, created_at AS createdAt";
const ITEM_COLUMNS = "order_id AS orderId, sku, name, quantity, unit_price_cents AS unitPriceCents";

/** The orders tables' queries, each prepared once; list lookups take a JSON array. */
export class OrderRepository {
  readonly #db: Db;
  readonly #statements;

  constructor(db: Db) {
    this.#db = db;
    const newest = "ORDER BY created_at DESC, seq DESC LIMIT @limit";
    const before = "(created_at, seq) < (@createdAt, @seq)";
    this.#statements = {
      byIds: db.prepare<[string], OrderRecord>(`SELECT ${ORDER_COLUMNS} FROM orders WHERE id IN (SELECT value FROM json_each(?))`),
      itemsByOrderIds: db.prepare<[string], OrderItemRecord>(
        `SELECT ${ITEM_COLUMNS} FROM order_items WHERE order_id IN (SELECT value FROM json_each(?)) ORDER BY order_id, position`,
      ),
      // Four shapes of one keyset query, so each can use its index without OR-ed conditions.
      pageAll: db.prepare(`SELECT ${ORDER_COLUMNS} FROM orders ${newest}`),
      pageAllAfter: db.prepare(`SELECT ${ORDER_COLUMNS} FROM orders WHERE ${before} ${newest}`),
      pageUser: db.prepare(`SELECT ${ORDER_COLUMNS} FROM orders WHERE user_id = @userId ${newest}`),
      pageUserAfter: db.prepare(`SELECT ${ORDER_COLUMNS} FROM orders WHERE user_id = @userId AND ${before} ${newest}`),
      countAll: db.prepare<[], { n: number }>("SELECT count(*) AS n FROM orders"),
      countUser: db.prepare<[string], { n: number }>("SELECT count(*) AS n FROM orders WHERE user_id = ?"),
      insertOrder: db.prepare<{ userId: string; totalCents: number; createdAt: number }, OrderRecord>(
        `INSERT INTO orders (seq, id, user_id, total_cents, status, created_at)
         SELECT next, 'o' || next, @userId, @totalCents, 'PENDING', @createdAt
         FROM (SELECT COALESCE(MAX(seq), 0) + 1 AS next FROM orders)
         RETURNING ${ORDER_COLUMNS}`,
      ),
      insertItem: db.prepare(
        "INSERT INTO order_items (order_id, position, sku, name, quantity, unit_price_cents) VALUES (?, ?, ?, ?, ?, ?)",
      ),
    };
  }

  byIds(ids: readonly string[]): OrderRecord[] {
    return this.#statements.byIds.all(jsonList(ids));
  }

  itemsByOrderIds(orderIds: readonly string[]): OrderItemRecord[] {
    return this.#statements.itemsByOrderIds.all(jsonList(orderIds));
  }

  /** Up to `limit` orders newest first, strictly after `after`; every order when userId is undefined. */
  page({ userId, after, limit }: { userId: string | undefined; after: OrderPosition | undefined; limit: number }): OrderRecord[] {
    const s = this.#statements;
    const statement = userId === undefined ? (after ? s.pageAllAfter : s.pageAll) : after ? s.pageUserAfter : s.pageUser;
    return statement.all({ limit, ...(userId === undefined ? {} : { userId }), ...after }) as OrderRecord[];
  }

  count(userId: string | undefined): number {
    const row = userId === undefined ? this.#statements.countAll.get() : this.#statements.countUser.get(userId);
    return row?.n ?? 0;
  }

  /** Inserts a PENDING order and its items in one transaction; the id is o<next seq>. */
  insert(order: { userId: string; createdAt: number; items: readonly Omit<OrderItemRecord, "orderId">[] }): OrderRecord {
    return this.#db.transaction(() => {
      const totalCents = order.items.reduce((sum, item) => sum + item.quantity * item.unitPriceCents, 0);
      const record = this.#statements.insertOrder.get({ userId: order.userId, totalCents, createdAt: order.createdAt });
      if (!record) throw new Error("order insert returned no row");
      order.items.forEach((item, position) =>
        this.#statements.insertItem.run(record.id, position, item.sku, item.name, item.quantity, item.unitPriceCents),
      );
      return record;
    }).immediate();
  }
}
