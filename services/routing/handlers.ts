/**
 * The RPCs of routing.proto over the in-memory routes and the assignment store. Bad input is
 * INVALID_ARGUMENT with a message naming the field, an unknown delivery NOT_FOUND, a stream the
 * client cancels (or whose deadline passes) stops its timer at once.
 */
import * as grpc from "@grpc/grpc-js";
import type { Logger } from "pino";
import { KeyReusedError, type AssignmentStore } from "./assignments.ts";
import type { AssignCourierRequest, CourierAssignment, CourierLocation, CourierRequest, EtaBatchReply, EtaBatchRequest, EtaReply, EtaRequest } from "./proto.ts";
import { remainingMeters, type RouteRecord } from "./seed.ts";

/** Delivery ids are short opaque tokens (the seed's are d<n>). */
const DELIVERY_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** Idempotency keys are the caller's: any printable ASCII, bounded. */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,128}$/;
/** A delivery in one of these states takes no courier any more. */
const FINISHED = new Set(["DELIVERED", "FAILED"]);
export const MAX_BATCH_KEYS = 100;
const MIN_INTERVAL_MS = 10;
const MAX_INTERVAL_MS = 60_000;

/** One call as the service received it (tests count calls and read the metadata at the service). */
export interface ReceivedCall {
  method: "EstimateEta" | "EstimateEtas" | "WatchCourier" | "AssignCourier";
  deliveryIds: string[];
  /** The `authorization` metadata value, if any (kept for tests only; never logged). */
  authorization: string | undefined;
  /** The `traceparent` metadata value, if any (the caller's trace context). */
  traceparent: string | undefined;
  /** The caller's deadline as epoch ms; Infinity when it set none. */
  deadline: number;
  /** Every text metadata entry, by name (kept for tests only; never logged: it holds the token). */
  metadata: Record<string, string>;
}

export interface HandlerDeps {
  routes: ReadonlyMap<string, RouteRecord>;
  /** Assignments made through AssignCourier; they override the seed's courier. */
  assignments: AssignmentStore;
  /** Default milliseconds between two courier positions. */
  tickMs: number;
  now: () => number;
  logger: Logger;
  received: ReceivedCall[];
  /** While set, every call fails with this status before touching the data (failure tests). */
  failWith: () => grpc.status | undefined;
  /** While above 0, unary answers wait this long first (a slow instance, for deadline tests). */
  delayMs: () => number;
  /** Counts open WatchCourier streams. */
  streams: { open: number };
}

class RpcError extends Error {
  constructor(
    readonly code: grpc.status,
    message: string,
  ) {
    super(message);
  }
}

const invalid = (message: string) => new RpcError(grpc.status.INVALID_ARGUMENT, message);

function checkId(value: unknown, field: string): string {
  if (typeof value !== "string" || value === "") throw invalid(`${field} is required`);
  if (!DELIVERY_ID.test(value)) throw invalid(`${field} must be 1 to 64 letters, digits, '-' or '_'`);
  return value;
}

function checkKey(value: unknown): string {
  if (typeof value !== "string" || value === "") throw invalid("idempotency_key is required");
  if (!IDEMPOTENCY_KEY.test(value)) throw invalid("idempotency_key must be 1 to 128 printable ASCII characters");
  return value;
}

function toEta(route: RouteRecord): EtaReply {
  return {
    deliveryId: route.deliveryId,
    etaEpochMs: route.etaEpochMs ?? 0,
    remainingMeters: remainingMeters(route),
    status: route.status,
    enRoute: route.etaEpochMs !== null,
  };
}

function asServiceError(error: unknown): Partial<grpc.ServiceError> {
  if (error instanceof RpcError) return { code: error.code, details: error.message };
  return { code: grpc.status.INTERNAL, details: "internal error" };
}

function record(deps: HandlerDeps, method: ReceivedCall["method"], ids: string[], call: { metadata: grpc.Metadata; getDeadline(): grpc.Deadline }): void {
  const text = (name: string): string | undefined => {
    const value = call.metadata.get(name)[0];
    return typeof value === "string" ? value : undefined;
  };
  const deadline = call.getDeadline();
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(call.metadata.getMap())) if (typeof value === "string") metadata[name] = value;
  deps.received.push({
    method,
    deliveryIds: ids,
    authorization: text("authorization"),
    traceparent: text("traceparent"),
    deadline: deadline instanceof Date ? deadline.getTime() : deadline,
    metadata,
  });
  const failing = deps.failWith();
  if (failing !== undefined) throw new RpcError(failing, "the routing service is failing on purpose");
}

/** Runs `answer` after the configured delay, or not at all once the call is cancelled (deadline, client). */
function afterDelay(deps: HandlerDeps, call: { cancelled: boolean }, answer: () => void): void {
  const delay = deps.delayMs();
  if (delay <= 0) return answer();
  setTimeout(() => {
    if (!call.cancelled) answer();
  }, delay);
}

/** The service implementation grpc-js's `server.addService` takes. */
export function createHandlers(deps: HandlerDeps): grpc.UntypedServiceImplementation {
  const lookup = (id: string): RouteRecord => {
    const route = deps.routes.get(id);
    if (!route) throw new RpcError(grpc.status.NOT_FOUND, `no delivery ${id}`);
    return route;
  };

  /** Who drives the delivery now: the latest assignment made here, else the seed's courier. */
  const courierOf = (route: RouteRecord): string | null => deps.assignments.courierOf(route.deliveryId) ?? route.courierId;

  const estimateEta: grpc.handleUnaryCall<EtaRequest, EtaReply> = (call, callback) => {
    try {
      record(deps, "EstimateEta", [call.request.deliveryId], call);
      const reply = toEta(lookup(checkId(call.request.deliveryId, "delivery_id")));
      afterDelay(deps, call, () => callback(null, reply));
    } catch (error) {
      callback(asServiceError(error));
    }
  };

  const estimateEtas: grpc.handleUnaryCall<EtaBatchRequest, EtaBatchReply> = (call, callback) => {
    try {
      const ids = call.request.deliveryIds ?? [];
      record(deps, "EstimateEtas", [...ids], call);
      if (ids.length === 0) throw invalid("delivery_ids must list at least one id");
      if (ids.length > MAX_BATCH_KEYS) throw invalid(`delivery_ids lists ${ids.length} ids, at most ${MAX_BATCH_KEYS} are allowed`);
      const unique = [...new Set(ids.map((id, i) => checkId(id, `delivery_ids[${i}]`)))];
      // Sorted by id, not in request order: callers match answers by key.
      unique.sort();
      const etas: EtaReply[] = [];
      const notFound: string[] = [];
      for (const id of unique) {
        const route = deps.routes.get(id);
        if (route) etas.push(toEta(route));
        else notFound.push(id);
      }
      afterDelay(deps, call, () => callback(null, { etas, notFound }));
    } catch (error) {
      callback(asServiceError(error));
    }
  };

  const watchCourier: grpc.handleServerStreamingCall<CourierRequest, CourierLocation> = (call) => {
    let route: RouteRecord;
    let intervalMs: number;
    let courierId: string | null;
    try {
      record(deps, "WatchCourier", [call.request.deliveryId], call);
      route = lookup(checkId(call.request.deliveryId, "delivery_id"));
      intervalMs = call.request.intervalMs || deps.tickMs;
      if (intervalMs < MIN_INTERVAL_MS || intervalMs > MAX_INTERVAL_MS) {
        throw invalid(`interval_ms must be 0 (the default) or between ${MIN_INTERVAL_MS} and ${MAX_INTERVAL_MS}`);
      }
      courierId = courierOf(route);
      if (courierId === null) throw new RpcError(grpc.status.FAILED_PRECONDITION, `delivery ${route.deliveryId} has no courier assigned`);
    } catch (error) {
      call.emit("error", asServiceError(error));
      return;
    }
    deps.streams.open++;
    let index = route.position;
    let timer: NodeJS.Timeout | undefined;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      deps.streams.open--;
    };
    // A client's cancel and a passed deadline both arrive as 'cancelled'.
    call.on("cancelled", finish);
    const last = route.waypoints.length - 1;
    const send = () => {
      if (done) return;
      const point = route.waypoints[index]!;
      call.write({
        deliveryId: route.deliveryId,
        courierId,
        latitude: point.latitude,
        longitude: point.longitude,
        sequence: index,
        remainingMeters: remainingMeters(route, index),
        atEpochMs: deps.now(),
        arrived: index === last,
      } satisfies CourierLocation);
      if (index === last) {
        finish();
        call.end();
        return;
      }
      index++;
      timer = setTimeout(send, intervalMs);
    };
    send();
  };

  const assignCourier: grpc.handleUnaryCall<AssignCourierRequest, CourierAssignment> = (call, callback) => {
    try {
      record(deps, "AssignCourier", [call.request.deliveryId], call);
      const route = lookup(checkId(call.request.deliveryId, "delivery_id"));
      const courierId = checkId(call.request.courierId, "courier_id");
      const key = checkKey(call.request.idempotencyKey);
      if (FINISHED.has(route.status)) throw new RpcError(grpc.status.FAILED_PRECONDITION, `delivery ${route.deliveryId} is ${route.status} and takes no courier`);
      const assignment = deps.assignments.assign(route.deliveryId, courierId, key, deps.now());
      deps.logger.info({ deliveryId: route.deliveryId, courierId, revision: assignment.revision, replayed: assignment.replayed }, "courier assigned");
      // The delay comes after the write: a slow answer to a call that did take effect (timeout tests).
      afterDelay(deps, call, () => callback(null, assignment));
    } catch (error) {
      if (error instanceof KeyReusedError) return callback({ code: grpc.status.ALREADY_EXISTS, details: error.message });
      callback(asServiceError(error));
    }
  };

  return { EstimateEta: estimateEta, EstimateEtas: estimateEtas, WatchCourier: watchCourier, AssignCourier: assignCourier };
}
