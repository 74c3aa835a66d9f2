import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { FetchState } from "../../../gateway/src/connectors/connector-call.ts";
import type { ConnectorDefinition } from "../../../gateway/src/connectors/definitions.ts";
import { resolveEntities } from "../../../gateway/src/connectors/entities.ts";
import { RestClient } from "../../../gateway/src/connectors/rest-client.ts";
import { parseSelection } from "../../../gateway/src/connectors/selection.ts";
import { parseTemplate } from "../../../gateway/src/connectors/url-template.ts";
import { createPaymentProvider, type PaymentProvider } from "../../../services/payment-provider/index.ts";
import { seedCharges } from "../../../services/payment-provider/seed.ts";
import { TEST_LOG_LEVEL } from "../../helpers/subgraphs.ts";

const site = { directive: "@connect on type ProviderCharge", argument: "selection" };
const batchConnector = (maxSize: number): Extract<ConnectorDefinition, { kind: "entity" }> => ({
  id: "ProviderCharge",
  kind: "entity",
  typeName: "ProviderCharge",
  keyFields: ["id"],
  batch: { maxSize },
  method: "GET",
  url: parseTemplate("/v1/charges?ids={$batch.id}", site, ["$batch"]),
  headers: [],
  body: undefined,
  selection: parseSelection("$.data { id amountCents: amount }", site, ["$batch"]),
  errors: undefined,
});

describe("batched entity lookups through a connector", () => {
  let provider: PaymentProvider;
  let client: RestClient;
  const state = (): FetchState => ({
    subgraph: "payment-provider",
    source: { name: "provider", baseURL: provider.url, headers: [], errors: undefined },
    client,
    baseHeaders: {},
    identity: undefined,
    context: undefined,
    signal: undefined,
    failures: [],
    requests: 0,
    config: {},
  });

  before(async () => {
    provider = await createPaymentProvider({ dbPath: ":memory:", port: 0, logLevel: TEST_LOG_LEVEL });
    client = new RestClient(provider.url, { timeoutMs: 5_000, connectTimeoutMs: 1_000, connections: 4, maxResponseBytes: 1 << 20 });
  });
  after(async () => {
    await client.close();
    await provider.close();
  });

  it("sends one request per chunk of maxSize distinct keys and matches answers by key, not position", async () => {
    const charges = seedCharges().slice(0, 5);
    // Asked newest first; the provider answers in its own order, and one id twice, one unknown.
    const ids = [...charges.map((c) => c.id).reverse(), charges[0]!.id, "ch_unknown"];
    const s = state();
    const mark = provider.received.length;
    const results = await resolveEntities(s, ids.map((id) => ({ __typename: "ProviderCharge", id })), () => batchConnector(2));
    assert.equal(s.requests, 3, "six distinct keys in chunks of two");
    assert.equal(provider.received.length - mark, 3);
    const byId = new Map(charges.map((c) => [c.id, c.amount]));
    assert.deepEqual(
      results.map((r) => (r === null ? null : { id: (r as { id: string }).id, amountCents: (r as { amountCents: number }).amountCents })),
      ids.map((id) => (byId.has(id) ? { id, amountCents: byId.get(id)! } : null)),
    );
  });

  it("makes a failed chunk a field error on each representation it was for, with the status", async () => {
    provider.failWith = 500;
    try {
      const s = state();
      const results = await resolveEntities(s, [{ __typename: "ProviderCharge", id: "ch_p2" }], () => batchConnector(10));
      assert.ok(results[0] instanceof Error);
      assert.deepEqual((results[0] as unknown as { extensions: Record<string, unknown> }).extensions, { code: "CONNECTOR_HTTP_ERROR", subgraph: "payment-provider", connector: "ProviderCharge", status: 500 });
      assert.deepEqual(s.failures, [{ kind: "status", status: 500 }], "the fetch records the 5xx for the balancer");
    } finally {
      provider.failWith = undefined;
    }
  });
});
