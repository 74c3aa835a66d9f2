/**
 * The gateway and the services agree about a token: one rule, a token is accepted until its
 * `exp` plus the clock tolerance (5 s on both sides), so one the gateway accepted is accepted by
 * the service it reaches even if it expires on the way, and one expired beyond it is a 401 with
 * TOKEN_EXPIRED whether it is sent to the gateway or straight to a service, over HTTP, SSE or
 * WebSocket.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { AuthSubgraph } from "../../subgraphs/auth/index.ts";
import { createDeliverySubgraph, type DeliverySubgraph } from "../../subgraphs/delivery/index.ts";
import { createOrdersSubgraph } from "../../subgraphs/orders/index.ts";
import { createPaymentsSubgraph } from "../../subgraphs/payments/index.ts";
import type { SubgraphHandle } from "../../subgraphs/shared/service.ts";
import demoConfig from "../../gateway/gateway.config.ts";
import { startDelayProxy, type DelayProxy } from "../helpers/delay-proxy.ts";
import { startTestGateway, type TestGateway } from "../helpers/gateway.ts";
import { EMAILS, gql, login, startTestAuth, testServiceOptions } from "../helpers/subgraphs.ts";
import { sseSubscribe, until, WsTestClient } from "../helpers/subscription-clients.ts";

describe("one rule for a token across the gateway and the services", () => {
  /** Issues tokens that live 2 s. */
  let auth: AuthSubgraph;
  let orders: SubgraphHandle;
  let delivery: DeliverySubgraph;
  let payments: SubgraphHandle;
  let slowAuth: DelayProxy;
  let gateway: TestGateway;

  before(async () => {
    auth = await startTestAuth({ accessTokenTtlSeconds: 2 });
    orders = await createOrdersSubgraph(testServiceOptions(auth));
    delivery = await createDeliverySubgraph({ ...testServiceOptions(auth), ordersUrl: orders.url });
    payments = await createPaymentsSubgraph({ ...testServiceOptions(auth), ordersUrl: orders.url });
    // Requests to auth take 1.5 s on the way: a token the gateway accepts just before its expiry
    // reaches auth after it.
    slowAuth = await startDelayProxy(auth.url, 0);
    gateway = await startTestGateway({
      auth: { ...demoConfig.auth!, jwks: { url: auth.jwksUrl } },
      subgraphs: { auth: { url: slowAuth.url }, orders: { url: orders.url }, delivery: { url: delivery.url }, payments: { url: payments.url } },
    });
  });
  after(async () => {
    await gateway.stop();
    await slowAuth.close();
    await delivery.close();
    await orders.close();
    await payments.close();
    await auth.close();
  });

  /** One of auth's own tokens, expired beyond the 5 s tolerance (it lived 2 s; about 8 s of waiting). */
  const expiredToken = async () => {
    const { data } = await login(auth.url, EMAILS.alice);
    const token = data!.login.accessToken;
    const exp = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()).exp as number;
    await until(() => Date.now() > (exp + 6) * 1000, 15_000, "the token expiring beyond the tolerance");
    return token;
  };

  it("answers a query the gateway accepted with the caller's data even when the token expires before it reaches the service", async () => {
    const { data } = await login(auth.url, EMAILS.alice);
    const token = data!.login.accessToken;
    const exp = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()).exp as number;
    slowAuth.delayMs = 1_500;
    try {
      // Sent while the token is still valid; it reaches auth about 0.7 s after its expiry.
      await until(() => Date.now() >= exp * 1000 - 800, 5_000, "the token nearing its expiry");
      const result = await gql(gateway.url, `{ me { id } }`, { token });
      assert.ok(Date.now() > exp * 1000, "the token had expired by the time auth answered");
      assert.equal(result.status, 200);
      assert.deepEqual(result.data, { me: { id: "u1" } }, JSON.stringify(result.errors));
      assert.equal(result.errors, undefined);
    } finally {
      slowAuth.delayMs = 0;
    }
  });

  it("accepts a token expired by less than the clock tolerance at the gateway and at each service: { me } is the caller, not null", async () => {
    const { data } = await login(auth.url, EMAILS.alice);
    const token = data!.login.accessToken;
    const exp = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()).exp as number;
    await until(() => Date.now() >= (exp + 1) * 1000, 10_000, "the token expiring");

    const throughGateway = await gql(gateway.url, `{ me { id } orders(first: 1) { totalCount } }`, { token });
    assert.equal(throughGateway.status, 200);
    assert.equal(throughGateway.errors, undefined, JSON.stringify(throughGateway.errors));
    assert.equal(throughGateway.data!.me.id, "u1");
    assert.ok(throughGateway.data!.orders.totalCount > 0);
    const atAuth = await gql(auth.url, `{ me { id } }`, { token });
    assert.deepEqual([atAuth.status, atAuth.data], [200, { me: { id: "u1" } }], JSON.stringify(atAuth.errors));
    const atOrders = await gql(orders.url, `{ orders(first: 1) { totalCount } }`, { token });
    assert.equal(atOrders.errors, undefined, JSON.stringify(atOrders.errors));
    const ws = await WsTestClient.open(gateway.url, { authorization: `Bearer ${token}` });
    await ws.close();
    assert.ok(Date.now() < (exp + 5) * 1000, "all of it within the 5 s tolerance (a machine this slow proves nothing here)");
  });

  it("answers an expired token with 401 TOKEN_EXPIRED everywhere: the gateway over HTTP, SSE and graphql-ws, orders and auth over HTTP, delivery over WebSocket", async () => {
    const token = await expiredToken();
    const sse = await sseSubscribe(gateway.url, `subscription ($id: ID!) { orderDeliveryUpdated(orderId: $id) { status } }`, { id: "o1" }, token);
    assert.equal(sse.status, 401);
    assert.equal(sse.body?.errors?.[0]?.extensions?.code, "TOKEN_EXPIRED");
    const gatewayWs = await WsTestClient.open(gateway.url, false);
    gatewayWs.send({ type: "connection_init", payload: { authorization: `Bearer ${token}` } });
    assert.deepEqual(await gatewayWs.closed, { code: 4403, reason: "Token expired" });
    const asked: Array<[string, string]> = [
      [gateway.url, `{ me { id } }`],
      [orders.url, `{ orders(first: 1) { totalCount } }`],
      [auth.url, `{ me { id } }`],
    ];
    for (const [url, query] of asked) {
      const result = await gql(url, query, { token });
      assert.equal(result.status, 401, url);
      assert.equal(result.errors?.[0]?.extensions?.code, "TOKEN_EXPIRED", url);
      assert.match(result.headers.get("www-authenticate") ?? "", /error="invalid_token"/);
    }
    const ws = await WsTestClient.open(delivery.url, false);
    ws.send({ type: "connection_init", payload: { authorization: `Bearer ${token}` } });
    assert.deepEqual(await ws.closed, { code: 4403, reason: "Token expired" });
  });

  it("answers a forged token straight at a service with 401 INVALID_TOKEN, not as an anonymous caller", async () => {
    const { data } = await login(auth.url, EMAILS.alice);
    const [head, body] = data!.login.accessToken.split(".");
    const forged = `${head}.${body}.${"A".repeat(86)}`;
    const result = await gql(auth.url, `{ me { id } }`, { token: forged });
    assert.equal(result.status, 401);
    assert.equal(result.errors?.[0]?.extensions?.code, "INVALID_TOKEN");
  });
});
