/**
 * Payments -> orders exactly once, with real processes: orders and payments run as their own
 * `subgraphs/main.ts` processes on SQLite files, and are killed with SIGKILL between a payment's
 * commit and the relay's delivery of its event. A proxy in front of orders, on payments' side,
 * can refuse the relay's deliveries (as if orders were unreachable) so the kill lands exactly
 * there; every other request passes.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import Database from "better-sqlite3";
import type { AuthSubgraph } from "../../subgraphs/auth/index.ts";
import { forward, readBody, startProxyServer, type ProxyServer } from "../helpers/proxy-server.ts";
import { freePort, kill, startService, type ServiceProcess } from "../helpers/service-processes.ts";
import { gql, startTestAuth, tempDir, tokensFor } from "../helpers/subgraphs.ts";
import { until } from "../helpers/subscription-clients.ts";

describe("payments -> orders, exactly once, across process restarts", () => {
  let auth: AuthSubgraph;
  let dir: ReturnType<typeof tempDir>;
  let proxy: ProxyServer;
  let orders: ServiceProcess | undefined;
  let payments: ServiceProcess | undefined;
  let ordersPort: number;
  let paymentsPort: number;
  let env: Record<string, string>;
  let alice: string;
  /** Proxy state: while true, the relay's deliveries are answered 503 without reaching orders. */
  let refuseEvents = true;
  const eventRequests: { body: string; authorization: string | undefined; refused: boolean }[] = [];
  let ordersDb: Database.Database | undefined;
  let paymentsDb: Database.Database | undefined;

  const ordersUrl = () => `http://127.0.0.1:${ordersPort}/graphql`;
  const paymentsUrl = () => `http://127.0.0.1:${paymentsPort}/graphql`;
  const startOrders = async () => (orders = await startService("orders", ordersPort, join(dir.path, "orders.db"), env));
  const startPayments = async () => (payments = await startService("payments", paymentsPort, join(dir.path, "payments.db"), { ...env, ORDERS_URL: `http://127.0.0.1:${proxy.port}/graphql` }));
  const orderStatus = (id: string) => (ordersDb ??= new Database(join(dir.path, "orders.db"), { readonly: true })).prepare("SELECT status FROM orders WHERE id = ?").pluck().get(id);
  const applications = (id: string) => ordersDb!.prepare("SELECT count(*) FROM payment_events WHERE order_id = ?").pluck().get(id) as number;
  const outboxRow = (orderId: string) =>
    (paymentsDb ??= new Database(join(dir.path, "payments.db"), { readonly: true }))
      .prepare("SELECT event_id AS eventId, attempts, next_attempt_at AS nextAttemptAt, delivered_at AS deliveredAt, outcome FROM outbox WHERE order_id = ?")
      .get(orderId) as { eventId: string; attempts: number; nextAttemptAt: number; deliveredAt: number | null; outcome: string | null } | undefined;

  /** A new order of alice's, paid through the payments process: committed, its event not yet delivered. */
  const payNewOrder = async (key: string) => {
    const placed = await gql(ordersUrl(), `mutation { placeOrder(input: { items: [{ sku: "SKU-SCALE", quantity: 1 }] }) { id } }`, { token: alice });
    const orderId = placed.data!.placeOrder.id as string;
    const paid = await gql(paymentsUrl(), `mutation ($id: ID!, $key: String!) { payOrder(orderId: $id, idempotencyKey: $key) { status } }`, { token: alice, variables: { id: orderId, key } });
    assert.deepEqual(paid.data, { payOrder: { status: "SUCCEEDED" } }, JSON.stringify(paid.errors));
    return orderId;
  };

  before(async () => {
    dir = tempDir("outbox-processes-");
    auth = await startTestAuth();
    // No delivery in this test: orders' own relay has nowhere to send (never the demo's port).
    env = { AUTH_JWKS_URL: auth.jwksUrl, DELIVERY_URL: "" };
    [ordersPort, paymentsPort] = [await freePort(), await freePort()];
    proxy = await startProxyServer(async (req, res) => {
      const body = await readBody(req);
      const text = body.toString("utf8");
      if (text.includes("applyPaymentEvent")) {
        eventRequests.push({ body: text, authorization: req.headers.authorization, refused: refuseEvents });
        if (refuseEvents) {
          res.writeHead(503, { "content-type": "application/json" }).end(JSON.stringify({ errors: [{ message: "held by the test" }] }));
          return;
        }
      }
      forward(new URL(ordersUrl()), req, res, body);
    });
    await startOrders();
    await startPayments();
    ({ alice } = await tokensFor(auth.url, ["alice"]));
  });
  after(async () => {
    ordersDb?.close();
    paymentsDb?.close();
    await Promise.all([kill(orders), kill(payments)]);
    await proxy.stop();
    await auth.close();
    dir.cleanup();
  });

  it("makes the order PAID once orders is back after being killed between the payment's commit and the event's delivery, applying it once", async () => {
    refuseEvents = true;
    const orderId = await payNewOrder("kill-orders");
    await until(() => (outboxRow(orderId)?.attempts ?? 0) >= 1, 10_000, "a refused delivery");
    await kill(orders);
    refuseEvents = false;
    // The relay keeps trying against a dead orders: the proxy can reach nothing.
    const attemptsWhileDown = outboxRow(orderId)!.attempts;
    await until(() => outboxRow(orderId)!.attempts > attemptsWhileDown, 10_000, "a delivery attempt while orders is down");
    assert.equal(orderStatus(orderId), "PENDING");

    await startOrders();
    await until(() => orderStatus(orderId) === "PAID", 20_000, "the order becoming PAID after orders restarted");
    await until(() => outboxRow(orderId)!.deliveredAt !== null, 5_000, "the outbox row marked delivered");
    assert.equal(outboxRow(orderId)!.outcome, "APPLIED");
    assert.equal(applications(orderId), 1, "applied exactly once");
    assert.ok(outboxRow(orderId)!.attempts >= 3, `delivered after ${outboxRow(orderId)!.attempts} attempts`);
  });

  it("delivers an event committed by a payments process killed before delivering it, once payments restarts", async () => {
    refuseEvents = true;
    const orderId = await payNewOrder("kill-payments");
    // Kill while the row waits out a backoff (not while a delivery holds its lease).
    await until(() => {
      const row = outboxRow(orderId);
      const wait = (row?.nextAttemptAt ?? 0) - Date.now();
      return (row?.attempts ?? 0) >= 1 && wait > 100 && wait < 10_000;
    }, 10_000, "the event waiting for a retry");
    await kill(payments);
    refuseEvents = false;
    assert.equal(outboxRow(orderId)!.deliveredAt, null);
    assert.equal(orderStatus(orderId), "PENDING");

    await startPayments();
    await until(() => orderStatus(orderId) === "PAID", 20_000, "the order becoming PAID after payments restarted");
    assert.equal(applications(orderId), 1);
  });

  it("applies an event delivered twice only once: the relay's own request, sent again, is a DUPLICATE", async () => {
    const delivered = [...eventRequests].reverse().find((r) => !r.refused)!;
    assert.ok(delivered, "the relay delivered at least one event through the proxy");
    const { event } = (JSON.parse(delivered.body) as { variables: { event: { eventId: string; orderId: string } } }).variables;
    const before = applications(event.orderId);
    for (let i = 0; i < 2; i++) {
      const response = await fetch(ordersUrl(), { method: "POST", headers: { "content-type": "application/json", authorization: delivered.authorization! }, body: delivered.body });
      const answer = (await response.json()) as { data: { applyPaymentEvent: { outcome: string } } };
      assert.equal(answer.data.applyPaymentEvent.outcome, "DUPLICATE");
    }
    assert.equal(applications(event.orderId), before);
    assert.equal(before, 1);
  });
});
