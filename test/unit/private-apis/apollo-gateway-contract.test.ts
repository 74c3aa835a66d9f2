/**
 * Contract tests of the private APIs of @apollo/gateway and its planner packages that
 * gateway/src/private-apis/ relies on. Each runs the real package, not a copy of what we believe
 * it does, and fails with a message naming the file to revisit when an upgrade breaks it.
 */
import "../../../gateway/src/private-apis/flat-exports.ts";
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { ApolloGateway, type GraphQLDataSource } from "@apollo/gateway";
import { parse, type OperationDefinitionNode } from "graphql";
import { GraphQLDataSourceRequestKind } from "../../../gateway/src/private-apis/data-source-kind.ts";
import { gatewayRequestContext } from "../../../gateway/src/private-apis/gateway-request-context.ts";
import { observeQueryPlanCache } from "../../../gateway/src/private-apis/query-plan-store.ts";
import { loadSupergraphSdl } from "../../../gateway/src/supergraph/file-source.ts";
import { buildSnapshot } from "../../../gateway/src/supergraph/snapshot.ts";
import { createLogger } from "../../../gateway/src/logging/logger.ts";
import { anonymous, type RequestContext } from "../../../gateway/src/server/context.ts";

const require = createRequire(import.meta.url);
const sdl = readFileSync("schema/supergraph.graphql", "utf8");
const silent = { debug() {}, info() {}, warn() {}, error() {} };

describe("the private APIs we rely on", () => {
  it("flat-exports.ts: the planner packages' index modules end up as frozen plain objects with the same values", () => {
    for (const name of ["@apollo/federation-internals", "@apollo/query-planner"]) {
      const exports = require(name) as Record<string, unknown>;
      assert.ok(Object.isFrozen(exports), `${name}'s require.cache entry was not replaced: flat-exports.ts no longer applies (was it imported before ${name}?)`);
      const getters = Object.getOwnPropertyNames(exports).filter((k) => Object.getOwnPropertyDescriptor(exports, k)?.get);
      assert.deepEqual(getters, [], `${name} still exports through getters`);
      assert.equal(typeof exports[name === "@apollo/query-planner" ? "QueryPlanner" : "Supergraph"], "function", `${name} lost its main export`);
    }
  });

  it("data-source-kind.ts, gateway-request-context.ts, query-plan-store.ts: the real executor runs with our request context, tells data sources the kind, and looks plans up in queryPlanStore", async () => {
    const calls: Array<{ kind: unknown; contextIsOurs: boolean; operationKind: string | undefined }> = [];
    let ours: RequestContext | undefined;
    const source: GraphQLDataSource = {
      process: async (options) => {
        const o = options as unknown as { kind: unknown; context: unknown; incomingRequestContext?: { operation?: OperationDefinitionNode } };
        calls.push({ kind: o.kind, contextIsOurs: o.context === ours, operationKind: o.incomingRequestContext?.operation?.operation });
        return { data: { me: { id: "u1" } } };
      },
    };
    const gatewaySdl = loadSupergraphSdl(sdl).gatewaySdl;
    const gateway = new ApolloGateway({ supergraphSdl: gatewaySdl, buildService: () => source, logger: silent });
    const lookups: boolean[] = [];
    observeQueryPlanCache(gateway, (hit) => lookups.push(hit), createLogger({ level: "silent" }));
    const { executor } = await gateway.load();
    try {
      const snapshot = buildSnapshot({ sdl, gatewaySdl });
      const text = "query Me { me { id } }";
      const document = parse(text);
      for (let i = 0; i < 2; i++) {
        ours = { requestId: `r${i}`, logger: createLogger({ level: "silent" }), headers: {}, clientAddress: "127.0.0.1", authorization: undefined, signal: new AbortController().signal, startedAt: 0, principal: anonymous, telemetry: undefined };
        const result = await executor(gatewayRequestContext({ snapshot, document, operation: document.definitions[0] as OperationDefinitionNode, operationName: undefined, queryHash: "contract", source: text, variables: {}, context: ours }));
        assert.deepEqual(result.errors, undefined, `gateway-request-context.ts: the executor failed with our context: ${JSON.stringify(result.errors)}`);
        assert.deepEqual(JSON.parse(JSON.stringify(result.data)), { me: { id: "u1" } });
      }
      assert.equal(calls.length, 2);
      for (const call of calls) {
        assert.equal(call.kind, GraphQLDataSourceRequestKind.INCOMING_OPERATION, "data-source-kind.ts: the kind's value moved");
        assert.ok(call.contextIsOurs, "gateway-request-context.ts: data sources no longer get our RequestContext as options.context");
        assert.equal(call.operationKind, "query", "gateway-request-context.ts: incomingRequestContext.operation is not ours");
      }
      assert.deepEqual(lookups, [false, true], "query-plan-store.ts: queryPlanStore.get is no longer called once per operation (miss, then hit)");
    } finally {
      await gateway.stop();
    }
  });
});
