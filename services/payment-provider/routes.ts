import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import { HttpError, readBody, writeJson } from "../../subgraphs/shared/http.ts";
import type { ProviderRepository } from "./repository.ts";

/** The largest batch `GET /v1/charges?ids=` takes, as card processors cap list lookups. */
export const MAX_IDS = 100;
const MAX_BODY_BYTES = 64 * 1024;

export interface RouteDeps {
  repository: ProviderRepository;
  now: () => number;
  logger: Logger;
}

/** An error in the card-processor style: `{ error: { type, code, message } }` with its HTTP status. */
class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly type = status >= 500 ? "api_error" : "invalid_request_error",
  ) {
    super(message);
  }
}

const notFound = (what: string, id: string) => new ApiError(404, "resource_missing", `No such ${what}: '${id}'`);

/** The provider's REST API: charges (create, read one, read a batch) and refunds (create, list per charge). */
export function createRoutes({ repository, now, logger }: RouteDeps) {
  const idempotencyKey = (req: IncomingMessage): string => {
    const key = req.headers["idempotency-key"];
    if (typeof key !== "string" || key.trim() === "" || key.length > 255) {
      throw new ApiError(400, "idempotency_key_required", "An Idempotency-Key header (1 to 255 characters) is required for this request");
    }
    return key;
  };
  const jsonBody = async (req: IncomingMessage): Promise<Record<string, unknown>> => {
    const body = await readBody(req, MAX_BODY_BYTES);
    if (body === null || typeof body !== "object" || Array.isArray(body)) throw new ApiError(400, "invalid_body", "The body must be a JSON object (Content-Type: application/json)");
    return body as Record<string, unknown>;
  };
  const positiveInt = (value: unknown, name: string, optional = false): number | undefined => {
    if (value === undefined && optional) return undefined;
    if (typeof value !== "number" || !Number.isInteger(value) || value <= 0) throw new ApiError(400, "parameter_invalid", `'${name}' must be a positive integer (cents)`);
    return value;
  };
  const idempotent = <T>(res: ServerResponse, outcome: { kind: "created" | "replayed"; value: T } | { kind: "key_reused" }) => {
    if (outcome.kind === "key_reused") throw new ApiError(409, "idempotency_key_reused", "This Idempotency-Key was already used with different parameters");
    writeJson(res, outcome.kind === "created" ? 201 : 200, outcome.value, outcome.kind === "replayed" ? { "idempotent-replayed": "true" } : {});
  };

  const routes: Array<[method: string, pattern: RegExp, handler: (req: IncomingMessage, res: ServerResponse, match: RegExpExecArray, url: URL) => Promise<void> | void]> = [
    ["GET", /^\/v1\/?$/, (_req, res) => writeJson(res, 200, { object: "api", version: "v1" })],
    ["GET", /^\/healthz$/, (_req, res) => writeJson(res, 200, { status: "ok" })],
    [
      "GET",
      /^\/v1\/charges\/?$/,
      (_req, res, _m, url) => {
        const ids = (url.searchParams.get("ids") ?? "").split(",").filter((id) => id !== "");
        if (ids.length === 0) throw new ApiError(400, "parameter_missing", "'ids' lists the charges to read, comma-separated");
        if (ids.length > MAX_IDS) throw new ApiError(400, "parameter_invalid", `'ids' takes at most ${MAX_IDS} charges`);
        writeJson(res, 200, { object: "list", data: repository.charges(ids) });
      },
    ],
    [
      "GET",
      /^\/v1\/charges\/([^/]+)$/,
      (_req, res, m) => {
        const id = decodeURIComponent(m[1]!);
        const charge = repository.charge(id);
        if (!charge) throw notFound("charge", id);
        writeJson(res, 200, charge);
      },
    ],
    [
      "POST",
      /^\/v1\/charges\/?$/,
      async (req, res) => {
        const key = idempotencyKey(req);
        const body = await jsonBody(req);
        const metadata = (body.metadata ?? {}) as Record<string, unknown>;
        const currency = body.currency ?? "usd";
        if (typeof currency !== "string" || !/^[a-z]{3}$/.test(currency)) throw new ApiError(400, "parameter_invalid", "'currency' must be a three-letter ISO code in lower case");
        const charge = {
          amount: positiveInt(body.amount, "amount")!,
          currency,
          paymentId: typeof metadata.payment_id === "string" ? metadata.payment_id : null,
          orderId: typeof metadata.order_id === "string" ? metadata.order_id : null,
        };
        const outcome = repository.createCharge(key, charge, now());
        if (outcome.kind === "created") logger.info({ chargeId: outcome.value.id, amount: charge.amount }, "charge created");
        idempotent(res, outcome);
      },
    ],
    [
      "POST",
      /^\/v1\/refunds\/?$/,
      async (req, res) => {
        const key = idempotencyKey(req);
        const body = await jsonBody(req);
        if (typeof body.charge !== "string" || body.charge === "") throw new ApiError(400, "parameter_missing", "'charge' names the charge to refund");
        const outcome = repository.createRefund(key, { charge: body.charge, amount: positiveInt(body.amount ?? undefined, "amount", true) }, now());
        switch (outcome.kind) {
          case "no_such_charge":
            throw notFound("charge", body.charge);
          case "not_refundable":
            throw new ApiError(400, outcome.status === "refunded" ? "charge_already_refunded" : "charge_not_refundable", `A ${outcome.status} charge cannot be refunded`);
          case "amount_too_large":
            throw new ApiError(400, "amount_too_large", `At most ${outcome.refundable} can still be refunded`);
          default:
            if (outcome.kind === "created") logger.info({ refundId: outcome.value.id, chargeId: body.charge }, "refund created");
            return idempotent(res, outcome);
        }
      },
    ],
    [
      "GET",
      /^\/v1\/refunds\/?$/,
      (_req, res, _m, url) => {
        const charge = url.searchParams.get("charge");
        if (!charge) throw new ApiError(400, "parameter_missing", "'charge' names the charge whose refunds to list");
        if (!repository.charge(charge)) throw notFound("charge", charge);
        writeJson(res, 200, { object: "list", data: repository.refundsOf(charge) });
      },
    ],
  ];

  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://provider.invalid");
    try {
      const matching = routes.filter(([, pattern]) => pattern.test(url.pathname));
      if (matching.length === 0) throw new ApiError(404, "unknown_route", `Unrecognized request URL (${req.method} ${url.pathname})`);
      const route = matching.find(([method]) => method === req.method);
      if (!route) throw new ApiError(405, "method_not_allowed", `${req.method} is not allowed on ${url.pathname}`);
      await route[2](req, res, route[1].exec(url.pathname)!, url);
    } catch (e) {
      const error =
        e instanceof ApiError ? e : e instanceof HttpError ? new ApiError(e.status, "invalid_body", e.message) : new ApiError(500, "internal_error", "An internal error occurred");
      if (error.status >= 500) logger.error({ err: e }, "request failed");
      if (!res.headersSent) writeJson(res, error.status, { error: { type: error.type, code: error.code, message: error.message } });
      else res.destroy();
    }
  };
}
