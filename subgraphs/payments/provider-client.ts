/**
 * The payments subgraph's client of the payment provider's REST API (services/payment-provider).
 * Every write carries an Idempotency-Key derived from the payment it is for, so a call repeated
 * after a timeout, on another instance or by a retried payOrder, charges or refunds once.
 */
import type { Logger } from "pino";
import { appError } from "../shared/errors.ts";
import { splitUrls } from "../shared/orders-client.ts";

export interface ProviderClientOptions {
  /** The provider's base URL, or several instances' separated by commas. */
  url: string;
  /** Default 5000 ms. */
  timeoutMs?: number;
  /** The merchant's secret key, sent as `Authorization: Bearer`; default env PAYMENT_PROVIDER_API_KEY. */
  apiKey?: string;
}

export interface ProviderClient {
  /** Creates (or, for a key seen before, returns) a charge; resolves to its id. */
  charge(request: { amountCents: number; paymentId: string; orderId: string; idempotencyKey: string }, logger: Logger): Promise<string>;
  /** Refunds a charge in full; a charge already refunded at the provider counts as done. */
  refund(request: { chargeId: string; idempotencyKey: string }, logger: Logger): Promise<void>;
}

interface Answer {
  status: number;
  body: { id?: string; error?: { code?: string } };
}

export function createProviderClient(options: ProviderClientOptions): ProviderClient {
  const urls = splitUrls(options.url);
  const timeoutMs = options.timeoutMs ?? 5_000;
  const apiKey = options.apiKey ?? process.env.PAYMENT_PROVIDER_API_KEY ?? "";
  let next = 0;
  /** POSTs to the next instance; on a connection failure or a 5xx, to the others in turn (safe: the key makes it idempotent). */
  const post = async (path: string, body: unknown, idempotencyKey: string, logger: Logger): Promise<Answer> => {
    const first = next++ % urls.length;
    for (let i = 0; i < urls.length; i++) {
      const url = `${urls[(first + i) % urls.length]!}${path}`;
      try {
        const response = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json", "idempotency-key": idempotencyKey, ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(timeoutMs),
        });
        const answer = { status: response.status, body: (await response.json()) as Answer["body"] };
        if (response.status < 500) return answer;
        logger.warn({ url, status: response.status }, "payment provider failed");
      } catch (error) {
        logger.warn({ err: error, url }, "payment provider unreachable");
      }
    }
    throw appError("PAYMENT_PROVIDER_UNAVAILABLE", "The payment provider is unavailable; retry with the same idempotency key");
  };
  return {
    async charge({ amountCents, paymentId, orderId, idempotencyKey }, logger) {
      const answer = await post("/v1/charges", { amount: amountCents, currency: "usd", metadata: { payment_id: paymentId, order_id: orderId } }, idempotencyKey, logger);
      if (answer.status >= 300 || typeof answer.body.id !== "string") {
        logger.warn({ status: answer.status, code: answer.body.error?.code }, "payment provider refused the charge");
        throw appError("PAYMENT_DECLINED", "The payment provider refused the charge", { providerCode: answer.body.error?.code ?? null });
      }
      return answer.body.id;
    },
    async refund({ chargeId, idempotencyKey }, logger) {
      const answer = await post("/v1/refunds", { charge: chargeId }, idempotencyKey, logger);
      if (answer.status < 300 || answer.body.error?.code === "charge_already_refunded") return;
      logger.warn({ status: answer.status, code: answer.body.error?.code }, "payment provider refused the refund");
      throw appError("PAYMENT_NOT_REFUNDABLE", "The payment provider refused the refund", { providerCode: answer.body.error?.code ?? null });
    },
  };
}
