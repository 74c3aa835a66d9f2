import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import * as grpc from "@grpc/grpc-js";
import { createRoutingService, type RoutingService } from "../../../services/routing/index.ts";
import { createRoutingClient, type AssignCourierRequest, type CourierAssignment, type CourierLocation, type EtaBatchReply, type EtaReply, type RoutingClient } from "../../../services/routing/proto.ts";
import { seedRoutes } from "../../../services/routing/seed.ts";
import { seedDeliveries } from "../../../subgraphs/delivery/seed.ts";
import { TEST_LOG_LEVEL, tempDir } from "../../helpers/subgraphs.ts";

/** Resolves when the condition holds, polling; fails the test after a generous bound. */
async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("routing service over gRPC", () => {
  let service: RoutingService;
  let client: RoutingClient;
  const deliveries = seedDeliveries();
  const inTransit = deliveries.find((d) => d.status === "IN_TRANSIT")!;
  const assigned = deliveries.find((d) => d.status === "ASSIGNED")!;
  const delivered = deliveries.find((d) => d.status === "DELIVERED")!;
  const pending = deliveries.find((d) => d.status === "PENDING")!;

  const unary = <Req, Res>(call: (req: Req, md: grpc.Metadata, opts: Partial<grpc.CallOptions>, cb: grpc.requestCallback<Res>) => unknown, request: Req, options: Partial<grpc.CallOptions> = {}) =>
    new Promise<{ reply?: Res; error?: grpc.ServiceError }>((resolve) => {
      call.call(client, request, new grpc.Metadata(), options, (error, reply) => resolve(error ? { error } : { reply: reply! }));
    });
  const eta = (deliveryId: string, options?: Partial<grpc.CallOptions>) => unary<{ deliveryId: string }, EtaReply>(client.estimateEta, { deliveryId }, options);
  const assign = (request: AssignCourierRequest, on = client) =>
    new Promise<{ reply?: CourierAssignment; error?: grpc.ServiceError }>((resolve) => {
      on.assignCourier(request, new grpc.Metadata(), {}, (error, reply) => resolve(error ? { error } : { reply: reply! }));
    });
  const etas = (deliveryIds: string[]) => unary<{ deliveryIds: string[] }, EtaBatchReply>(client.estimateEtas, { deliveryIds });
  /** Reads a whole stream: its messages and how it ended. */
  const watch = (deliveryId: string, intervalMs: number, options: Partial<grpc.CallOptions> = {}) =>
    new Promise<{ locations: CourierLocation[]; error?: grpc.ServiceError }>((resolve) => {
      const locations: CourierLocation[] = [];
      const stream = client.watchCourier({ deliveryId, intervalMs }, new grpc.Metadata(), options);
      stream.on("data", (l: CourierLocation) => locations.push(l));
      stream.on("error", (error: grpc.ServiceError) => resolve({ locations, error }));
      stream.on("end", () => resolve({ locations }));
    });

  before(async () => {
    service = await createRoutingService({ port: 0, healthPort: 0, tickMs: 20, logLevel: TEST_LOG_LEVEL });
    client = createRoutingClient(service.address);
  });
  after(async () => {
    client.close();
    await service.close();
  });

  it("seeds one route per seeded delivery, with the delivery's courier, status and ETA", () => {
    const routes = seedRoutes();
    assert.equal(routes.length, deliveries.length);
    for (const [i, route] of routes.entries()) {
      const d = deliveries[i]!;
      assert.deepEqual([route.deliveryId, route.courierId, route.status, route.etaEpochMs], [d.id, d.courierId, d.status, d.eta]);
      assert.ok(route.waypoints.length >= 2 && route.position < route.waypoints.length);
    }
    assert.deepEqual(seedRoutes(), routes, "the seed is deterministic");
  });

  it("answers GET /healthz on its HTTP health port", async () => {
    const res = await fetch(`http://127.0.0.1:${service.healthPort}/healthz`);
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { grpc: string }).grpc, service.address);
  });

  it("estimates one delivery's ETA as the delivery subgraph's seed has it", async () => {
    const { reply, error } = await eta(inTransit.id);
    assert.equal(error, undefined);
    assert.equal(reply!.deliveryId, inTransit.id);
    assert.equal(reply!.etaEpochMs, inTransit.eta);
    assert.equal(reply!.status, "IN_TRANSIT");
    assert.equal(reply!.enRoute, true);
    assert.ok(reply!.remainingMeters > 0);
    const done = (await eta(delivered.id)).reply!;
    assert.deepEqual([done.enRoute, done.etaEpochMs, done.remainingMeters], [false, 0, 0]);
  });

  it("answers a batch with one ETA per distinct key, each carrying its key, unknown keys listed apart", async () => {
    const ids = [delivered.id, inTransit.id, "d999999", assigned.id, inTransit.id];
    const { reply, error } = await etas(ids);
    assert.equal(error, undefined);
    assert.deepEqual(reply!.notFound, ["d999999"]);
    assert.equal(reply!.etas.length, 3);
    const byKey = new Map(reply!.etas.map((e) => [e.deliveryId, e]));
    for (const d of [delivered, inTransit, assigned]) {
      assert.equal(byKey.get(d.id)?.etaEpochMs, d.eta ?? 0, `the answer for ${d.id} carries its own ETA`);
      assert.deepEqual(byKey.get(d.id), (await eta(d.id)).reply, `the batch agrees with the unary RPC for ${d.id}`);
    }
  });

  it("answers the same batch in the same way whatever the order of its keys", async () => {
    const ids = deliveries.slice(0, 20).map((d) => d.id);
    const forward = (await etas(ids)).reply!;
    const backward = (await etas([...ids].reverse())).reply!;
    const keyed = (r: EtaBatchReply) => Object.fromEntries(r.etas.map((e) => [e.deliveryId, e]));
    assert.deepEqual(keyed(forward), keyed(backward));
    assert.equal(forward.etas.length, 20);
  });

  it("answers NOT_FOUND for an unknown delivery id", async () => {
    const { error } = await eta("d999999");
    assert.equal(error?.code, grpc.status.NOT_FOUND);
    assert.match(error!.details, /d999999/);
    assert.equal((await watch("d999999", 20)).error?.code, grpc.status.NOT_FOUND);
  });

  it("answers INVALID_ARGUMENT naming the field for a missing or malformed id, an empty or oversized batch and a bad interval", async () => {
    const cases: [string, Promise<{ error?: grpc.ServiceError }>, RegExp][] = [
      ["empty id", eta(""), /delivery_id is required/],
      ["malformed id", eta("d1; drop"), /delivery_id must be/],
      ["empty batch", etas([]), /delivery_ids must list at least one/],
      ["oversized batch", etas(Array.from({ length: 101 }, (_, i) => `d${i + 1}`)), /at most 100/],
      ["malformed batch key", etas([inTransit.id, "a b"]), /delivery_ids\[1\]/],
      ["interval too short", watch(inTransit.id, 5), /interval_ms/],
    ];
    for (const [name, call, message] of cases) {
      const { error } = await call;
      assert.equal(error?.code, grpc.status.INVALID_ARGUMENT, name);
      assert.match(error!.details, message, name);
    }
  });

  it("streams the courier's positions along the route, then ends at the destination", async () => {
    const route = seedRoutes().find((r) => r.deliveryId === assigned.id)!;
    const { locations, error } = await watch(assigned.id, 10);
    assert.equal(error, undefined);
    assert.equal(locations.length, route.waypoints.length - route.position);
    assert.ok(locations.length >= 3, "several locations");
    assert.deepEqual(locations.map((l) => l.sequence), locations.map((_, i) => route.position + i));
    assert.ok(locations.every((l) => l.deliveryId === assigned.id && l.courierId === assigned.courierId));
    assert.deepEqual(locations.map((l) => l.arrived), locations.map((_, i) => i === locations.length - 1));
    assert.equal(locations.at(-1)!.remainingMeters, 0);
    assert.ok(locations.every((l, i) => i === 0 || l.remainingMeters <= locations[i - 1]!.remainingMeters), "the courier gets closer");
    await until(() => service.openStreams === 0, "the finished stream is closed at the service");
  });

  it("refuses to watch a delivery that has no courier with FAILED_PRECONDITION", async () => {
    assert.equal((await watch(pending.id, 20)).error?.code, grpc.status.FAILED_PRECONDITION);
  });

  it("stops a stream at the service when the client cancels it", async () => {
    const stream = client.watchCourier({ deliveryId: assigned.id, intervalMs: 60_000 });
    const first = await new Promise<CourierLocation>((resolve) => stream.once("data", resolve));
    assert.equal(first.deliveryId, assigned.id);
    assert.equal(service.openStreams, 1);
    const ended = new Promise<grpc.ServiceError>((resolve) => stream.on("error", resolve));
    stream.cancel();
    assert.equal((await ended).code, grpc.status.CANCELLED);
    await until(() => service.openStreams === 0, "the service saw the cancel");
  });

  it("ends a call whose deadline passes with DEADLINE_EXCEEDED, and stops the stream at the service", async () => {
    // The second position is a minute away: the deadline passes first.
    const { locations, error } = await watch(assigned.id, 60_000, { deadline: Date.now() + 300 });
    assert.equal(error?.code, grpc.status.DEADLINE_EXCEEDED);
    assert.equal(locations.length, 1);
    await until(() => service.openStreams === 0, "the service saw the deadline");
    assert.equal((await eta(inTransit.id, { deadline: Date.now() - 1 })).error?.code, grpc.status.DEADLINE_EXCEEDED);
  });

  it("records each call's method, keys and authorization metadata, and fails every call with the status it is told to", async () => {
    const md = new grpc.Metadata();
    md.set("authorization", "Bearer t0ken");
    const deadline = Date.now() + 60_000;
    await new Promise((resolve) => client.estimateEta({ deliveryId: inTransit.id }, md, { deadline }, resolve));
    // Filtered, since a call of an earlier test (past its deadline) may reach the service late.
    const calls = service.received.filter((c) => c.authorization !== undefined);
    assert.deepEqual(calls.map(({ deadline: _, metadata: __, ...c }) => c), [{ method: "EstimateEta", deliveryIds: [inTransit.id], authorization: "Bearer t0ken", traceparent: undefined }]);
    assert.equal(calls[0]!.metadata.authorization, "Bearer t0ken", "every text metadata entry is recorded");
    // The deadline travels as a relative grpc-timeout: the service's copy is off by the transit time only.
    assert.ok(Math.abs(calls[0]!.deadline - deadline) < 5_000, `deadline ${calls[0]!.deadline} vs ${deadline}`);
    service.failWith = grpc.status.UNAVAILABLE;
    try {
      assert.equal((await eta(inTransit.id)).error?.code, grpc.status.UNAVAILABLE);
      assert.equal((await etas([inTransit.id])).error?.code, grpc.status.UNAVAILABLE);
    } finally {
      service.failWith = undefined;
    }
  });

  it("assigns a courier once per idempotency key: a repeat answers the first assignment again, a reassignment is the next revision", async () => {
    const first = await assign({ deliveryId: pending.id, courierId: "u-courier-2", idempotencyKey: "assign-1" });
    assert.equal(first.error, undefined);
    assert.deepEqual({ ...first.reply!, assignedAtEpochMs: 0 }, { deliveryId: pending.id, courierId: "u-courier-2", revision: 1, assignedAtEpochMs: 0, replayed: false });
    const again = await assign({ deliveryId: pending.id, courierId: "u-courier-2", idempotencyKey: "assign-1" });
    assert.deepEqual(again.reply, { ...first.reply!, replayed: true }, "the same key answers the same assignment");
    const moved = await assign({ deliveryId: pending.id, courierId: "u-courier-3", idempotencyKey: "assign-2" });
    assert.deepEqual([moved.reply!.revision, moved.reply!.replayed], [2, false]);
    // The assigned courier is the one the courier feed reports.
    const { locations } = await watch(pending.id, 10);
    assert.ok(locations.length > 0 && locations.every((l) => l.courierId === "u-courier-3"), "the feed follows the assignment");
  });

  it("refuses an idempotency key reused for another assignment, a finished delivery, an unknown one and malformed fields", async () => {
    await assign({ deliveryId: assigned.id, courierId: "u-courier-2", idempotencyKey: "assign-reused" });
    const cases: [string, AssignCourierRequest, grpc.status, RegExp][] = [
      ["key reused", { deliveryId: assigned.id, courierId: "u-courier-9", idempotencyKey: "assign-reused" }, grpc.status.ALREADY_EXISTS, /another assignment/],
      ["delivered", { deliveryId: delivered.id, courierId: "u-courier-2", idempotencyKey: "assign-done" }, grpc.status.FAILED_PRECONDITION, /DELIVERED/],
      ["unknown", { deliveryId: "d999999", courierId: "u-courier-2", idempotencyKey: "assign-unknown" }, grpc.status.NOT_FOUND, /d999999/],
      ["no courier", { deliveryId: assigned.id, courierId: "", idempotencyKey: "assign-x" }, grpc.status.INVALID_ARGUMENT, /courier_id is required/],
      ["no key", { deliveryId: assigned.id, courierId: "u-courier-2", idempotencyKey: "" }, grpc.status.INVALID_ARGUMENT, /idempotency_key is required/],
      ["bad key", { deliveryId: assigned.id, courierId: "u-courier-2", idempotencyKey: "a b" }, grpc.status.INVALID_ARGUMENT, /idempotency_key must be/],
    ];
    for (const [name, request, code, message] of cases) {
      const { error } = await assign(request);
      assert.equal(error?.code, code, name);
      assert.match(error!.details, message, name);
    }
  });

  it("keeps one assignment per key across two instances sharing a database file", async () => {
    const dir = tempDir("routing-");
    const path = `${dir.path}/routing.db`;
    const instances = [await createRoutingService({ port: 0, dbPath: path, logLevel: TEST_LOG_LEVEL }), await createRoutingService({ port: 0, dbPath: path, logLevel: TEST_LOG_LEVEL })];
    const clients = instances.map((s) => createRoutingClient(s.address));
    try {
      const request = { deliveryId: pending.id, courierId: "u-courier-2", idempotencyKey: "shared-1" };
      const [a, b] = [await assign(request, clients[0]), await assign(request, clients[1])];
      assert.deepEqual([a.reply!.replayed, b.reply!.replayed, b.reply!.revision], [false, true, 1], "the retry on the other instance replays the first");
    } finally {
      for (const c of clients) c.close();
      await Promise.all(instances.map((s) => s.close()));
      dir.cleanup();
    }
  });
});
