import { createHash, randomBytes } from "node:crypto";
import { jsonList, type Db } from "../../subgraphs/shared/db.ts";
import type { ChargeStatus } from "./seed.ts";

/** A charge as the API returns it (snake_case, amounts in cents, times in epoch seconds). */
export interface Charge {
  id: string;
  object: "charge";
  amount: number;
  currency: string;
  status: ChargeStatus;
  refunded: boolean;
  amount_refunded: number;
  created: number;
  metadata: { payment_id: string | null; order_id: string | null };
}

export interface Refund {
  id: string;
  object: "refund";
  charge: string;
  amount: number;
  status: "succeeded";
  created: number;
}

interface ChargeRow {
  id: string;
  amount: number;
  currency: string;
  status: ChargeStatus;
  amountRefunded: number;
  paymentId: string | null;
  orderId: string | null;
  requestHash: string | null;
  created: number;
}

interface RefundRow {
  id: string;
  chargeId: string;
  amount: number;
  status: "succeeded";
  requestHash: string | null;
  created: number;
}

export interface NewCharge {
  amount: number;
  currency: string;
  paymentId: string | null;
  orderId: string | null;
}

/** What an idempotent write did: a key seen before returns its first result, unless the request differs. */
export type Idempotent<T, Failure> =
  | { kind: "created"; value: T }
  | { kind: "replayed"; value: T }
  | { kind: "key_reused" }
  | Failure;

export type RefundFailure = { kind: "no_such_charge" } | { kind: "not_refundable"; status: ChargeStatus } | { kind: "amount_too_large"; refundable: number };

const CHARGE = `id, amount, currency, status, amount_refunded AS amountRefunded, payment_id AS paymentId, order_id AS orderId, request_hash AS requestHash, created`;
const REFUND = `id, charge_id AS chargeId, amount, status, request_hash AS requestHash, created`;

const seconds = (ms: number) => Math.floor(ms / 1000);
const hashOf = (request: unknown) => createHash("sha256").update(JSON.stringify(request)).digest("base64url");

export const toCharge = (row: ChargeRow): Charge => ({
  id: row.id,
  object: "charge",
  amount: row.amount,
  currency: row.currency,
  status: row.status,
  refunded: row.status === "refunded",
  amount_refunded: row.amountRefunded,
  created: seconds(row.created),
  metadata: { payment_id: row.paymentId, order_id: row.orderId },
});

export const toRefund = (row: RefundRow): Refund => ({ id: row.id, object: "refund", charge: row.chargeId, amount: row.amount, status: row.status, created: seconds(row.created) });

/** Charges and refunds; every write is idempotent per key, and takes the write lock first so instances sharing the file agree. */
export class ProviderRepository {
  readonly createCharge: (key: string, charge: NewCharge, at: number) => Idempotent<Charge, never>;
  readonly createRefund: (key: string, request: { charge: string; amount: number | undefined }, at: number) => Idempotent<Refund, RefundFailure>;
  readonly #byId;
  readonly #byIds;
  readonly #refundsOf;

  constructor(db: Db) {
    this.#byId = db.prepare<[string], ChargeRow>(`SELECT ${CHARGE} FROM charges WHERE id = ?`);
    this.#byIds = db.prepare<[string], ChargeRow>(`SELECT ${CHARGE} FROM charges WHERE id IN (SELECT value FROM json_each(?)) ORDER BY seq`);
    this.#refundsOf = db.prepare<[string], RefundRow>(`SELECT ${REFUND} FROM refunds WHERE charge_id = ? ORDER BY seq`);
    const chargeByKey = db.prepare<[string], ChargeRow>(`SELECT ${CHARGE} FROM charges WHERE idempotency_key = ?`);
    const refundByKey = db.prepare<[string], RefundRow>(`SELECT ${REFUND} FROM refunds WHERE idempotency_key = ?`);
    const insertCharge = db.prepare(
      `INSERT INTO charges (id, amount, currency, status, payment_id, order_id, idempotency_key, request_hash, created)
       VALUES (@id, @amount, @currency, 'succeeded', @paymentId, @orderId, @key, @hash, @at)`,
    );
    const insertRefund = db.prepare(
      `INSERT INTO refunds (id, charge_id, amount, status, idempotency_key, request_hash, created) VALUES (@id, @charge, @amount, 'succeeded', @key, @hash, @at)`,
    );
    const setRefunded = db.prepare<[number, ChargeStatus, string]>(`UPDATE charges SET amount_refunded = ?, status = ? WHERE id = ?`);

    this.createCharge = db
      .transaction((key: string, charge: NewCharge, at: number): Idempotent<Charge, never> => {
        const hash = hashOf(charge);
        const seen = chargeByKey.get(key);
        if (seen) return seen.requestHash === hash ? { kind: "replayed", value: toCharge(seen) } : { kind: "key_reused" };
        const id = `ch_${randomBytes(12).toString("base64url")}`;
        insertCharge.run({ id, ...charge, key, hash, at });
        return { kind: "created", value: toCharge(this.#byId.get(id)!) };
      })
      .immediate;

    this.createRefund = db
      .transaction((key: string, request: { charge: string; amount: number | undefined }, at: number): Idempotent<Refund, RefundFailure> => {
        const hash = hashOf(request);
        const seen = refundByKey.get(key);
        if (seen) return seen.requestHash === hash ? { kind: "replayed", value: toRefund(seen) } : { kind: "key_reused" };
        const charge = this.#byId.get(request.charge);
        if (!charge) return { kind: "no_such_charge" };
        if (charge.status !== "succeeded") return { kind: "not_refundable", status: charge.status };
        const refundable = charge.amount - charge.amountRefunded;
        const amount = request.amount ?? refundable;
        if (amount > refundable) return { kind: "amount_too_large", refundable };
        const id = `re_${randomBytes(12).toString("base64url")}`;
        insertRefund.run({ id, charge: charge.id, amount, key, hash, at });
        const refunded = charge.amountRefunded + amount;
        setRefunded.run(refunded, refunded === charge.amount ? "refunded" : "succeeded", charge.id);
        return { kind: "created", value: toRefund({ id, chargeId: charge.id, amount, status: "succeeded", requestHash: hash, created: at }) };
      })
      .immediate;
  }

  charge(id: string): Charge | undefined {
    const row = this.#byId.get(id);
    return row && toCharge(row);
  }

  /** The charges among `ids` that exist, in the provider's own order (not the order asked). */
  charges(ids: readonly string[]): Charge[] {
    return this.#byIds.all(jsonList(ids)).map(toCharge);
  }

  refundsOf(chargeId: string): Refund[] {
    return this.#refundsOf.all(chargeId).map(toRefund);
  }
}
