import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { composeServices } from "@apollo/composition";
import { parse } from "graphql";
import { GrpcLoadError, readGrpcGraphs } from "../../../gateway/src/grpc/read-directives.ts";
import { checkGrpcGraph } from "../../../gateway/src/grpc/runtime.ts";
import { grpcSubgraphHeader } from "../../helpers/grpc-sdl.ts";

const HEADER = grpcSubgraphHeader();
const DELIVERY = `
extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])
type Delivery @key(fields: "id") { id: ID! status: String }
type Query { delivery(id: ID!): Delivery }
`;

/** Composes a routing-like subgraph (HEADER + body) with a delivery subgraph into a supergraph SDL. */
function supergraph(body: string, header = HEADER): string {
  const result = composeServices([
    { name: "routing", url: "grpc://127.0.0.1:1", typeDefs: parse(header + body) },
    { name: "delivery", url: "http://127.0.0.1:2/graphql", typeDefs: parse(DELIVERY) },
  ]);
  if (result.errors) throw new Error(result.errors.map(String).join("\n"));
  return result.supergraphSdl;
}

const ENTITY = `type Delivery @key(fields: "id") { id: ID! eta: Eta @rpc(service: "routing", method: "EstimateEtas", key: "id", request: "deliveryIds", reply: "etas", replyKey: "deliveryId") }`;

describe("gRPC mapping directives", () => {
  it("reads the committed supergraph's routing subgraph: its service and its four RPCs, each attributed to the subgraph that owns the field", () => {
    const graphs = readGrpcGraphs(readFileSync("schema/supergraph.graphql", "utf8"));
    assert.equal(graphs.length, 1);
    const [routing] = graphs;
    assert.equal(routing!.name, "routing");
    assert.deepEqual(routing!.service, { name: "routing", proto: "services/routing/routing.proto", service: "routing.v1.Routing" });
    assert.deepEqual(
      routing!.rpcs.map((r) => [r.kind, `${r.typeName}.${r.fieldName}`, r.method]).sort(),
      [
        ["entity", "Delivery.route", "EstimateEtas"],
        ["root", "Mutation.assignCourier", "AssignCourier"],
        ["root", "Query.deliveryRoute", "EstimateEta"],
        ["stream", "Subscription.courierLocation", "WatchCourier"],
      ],
    );
    const entity = routing!.rpcs.find((r) => r.kind === "entity");
    assert.deepEqual(entity, { kind: "entity", typeName: "Delivery", fieldName: "route", method: "EstimateEtas", key: "id", request: "deliveryIds", reply: "etas", replyKey: "deliveryId", maxBatch: 100 });
    checkGrpcGraph(routing!);
  });

  it("finds no gRPC subgraph in a supergraph without @grpcService", () => {
    assert.deepEqual(readGrpcGraphs(supergraph("type Query { x: Int }", HEADER.replace(/@grpcService\(name[^\n]*\n/, ""))), []);
  });

  const refusals: [string, string, RegExp, ((g: ReturnType<typeof readGrpcGraphs>[number]) => void)?][] = [
    ["an @rpc naming an unknown service", `type Query { eta(deliveryId: ID!): Eta @rpc(service: "nope", method: "EstimateEta") }`, /names service "nope", which no @grpcService defines/],
    ["entity arguments on a root field", `type Query { eta(deliveryId: ID!): Eta @rpc(service: "routing", method: "EstimateEta", key: "id") }`, /Query\.eta: key: is for entity fields/],
    ["an entity field without its reply key", ENTITY.replace(`, replyKey: "deliveryId"`, ""), /Delivery\.eta needs replyKey:/],
    ["a maxBatch below 1", ENTITY.replace(`replyKey: "deliveryId"`, `replyKey: "deliveryId", maxBatch: 0`), /maxBatch: must be at least 1/],
    ["a method the service lacks", `type Query { eta(deliveryId: ID!): Eta @rpc(service: "routing", method: "Teleport") }`, /routing\.v1\.Routing has no method Teleport/, checkGrpcGraph],
  ];
  for (const [name, body, message, check] of refusals) {
    it(`refuses ${name} at load, naming the field and the argument`, () => {
      assert.throws(
        () => {
          for (const g of readGrpcGraphs(supergraph(body))) check?.(g);
        },
        (e: unknown) => e instanceof GrpcLoadError && message.test(e.message),
      );
    });
  }

  it("refuses a .proto that cannot be read, or a service it does not define, naming the file", () => {
    const [graph] = readGrpcGraphs(supergraph(ENTITY));
    assert.throws(() => checkGrpcGraph({ ...graph!, service: { ...graph!.service, proto: "services/routing/missing.proto" } }), /cannot load services\/routing\/missing\.proto/);
    assert.throws(() => checkGrpcGraph({ ...graph!, service: { ...graph!.service, service: "routing.v1.Nope" } }), /has no service routing\.v1\.Nope/);
  });
});
