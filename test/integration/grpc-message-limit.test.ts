/**
 * A gRPC subgraph's `maxResponseBytes` is its channel's receive limit (grpc-js's own default is
 * 4 MiB): a reply past it fails the fetch as an HTTP body past the same limit does,
 * SUBGRAPH_BAD_RESPONSE, sent once, and a reply within it is answered.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createRoutingService, type RoutingService } from "../../services/routing/index.ts";
import { postGraphQL } from "../helpers/gateway.ts";
import { demoAuth, startTestSystem, type TestSystem } from "../helpers/system.ts";
import { TEST_LOG_LEVEL, tokensFor } from "../helpers/subgraphs.ts";

const ROUTE = `{ deliveryRoute(deliveryId: "d1") { deliveryId status } }`;

describe("the gRPC message size limit", () => {
  let service: RoutingService;
  const systems: TestSystem[] = [];
  /** A gateway whose routing subgraph reads replies of at most `maxResponseBytes`. */
  const start = async (maxResponseBytes: number) => {
    const system = await startTestSystem((s) => ({
      auth: demoAuth(s),
      subgraphs: { all: { healthCheck: { enabled: false } }, routing: { instances: [{ url: `grpc://${service.address}`, weight: 1 }], maxResponseBytes } },
    }));
    systems.push(system);
    const { alice } = await tokensFor(system.subgraphs.auth.url, ["alice"]);
    return () => postGraphQL(system.gateway.url, ROUTE, undefined, { authorization: `Bearer ${alice}` });
  };

  before(async () => {
    service = await createRoutingService({ port: 0, logLevel: TEST_LOG_LEVEL });
  });
  after(async () => {
    for (const s of systems) await s.close();
    await service.close();
  });

  it("fails a reply larger than the subgraph's maxResponseBytes with SUBGRAPH_BAD_RESPONSE, not retried", async () => {
    // An EtaReply is a few dozen bytes: 8 is too few for any.
    const ask = await start(8);
    const from = service.received.length;
    const result = await ask();
    assert.equal(result.body.errors?.[0]?.extensions?.code, "SUBGRAPH_BAD_RESPONSE", JSON.stringify(result.body.errors));
    assert.equal(result.body.errors?.[0]?.extensions?.grpcStatus, "RESOURCE_EXHAUSTED");
    assert.equal(service.received.length - from, 1, "sent once");
  });

  it("answers a reply within the limit", async () => {
    const ask = await start(1_024);
    const result = await ask();
    assert.equal(result.body.errors, undefined, JSON.stringify(result.body.errors));
    assert.equal((result.body.data!.deliveryRoute as { deliveryId: string }).deliveryId, "d1");
  });
});
