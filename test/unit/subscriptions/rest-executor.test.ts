/**
 * Each event's `rest` plan: every subscriber of one upstream event resolves it from the one event
 * object, which it holds as shared (copy on write), so the event reaches the next subscriber as
 * the subgraph sent it. The event is frozen here: a write into it would throw.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { composeServices } from "@apollo/composition";
import type { ServiceMap } from "@apollo/gateway";
import { execute, parse } from "graphql";
import { buildSnapshot } from "../../../gateway/src/supergraph/snapshot.ts";
import { sanitizeForApolloGateway } from "../../../gateway/src/private-apis/supergraph-for-apollo-gateway.ts";
import { SubscriptionPlanner } from "../../../gateway/src/subscriptions/planner.ts";
import { executeEvent } from "../../../gateway/src/subscriptions/rest-executor.ts";
import { anonymousContext, deepFreeze, subgraph } from "../../helpers/differential.ts";

const link = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])`;
const items = subgraph("items", `${link}\ntype Query { item: Item }\ntype Subscription { itemsChanged: [Item!]! }\ntype Item @key(fields: "id") { id: ID! }`, {});
const details = subgraph(
  "details",
  `${link}\ntype Item @key(fields: "id") { id: ID! name: String! detail: Detail! }\ntype Detail { size: Int! tags: [String!]! }`,
  { Item: { __resolveReference: ({ id }: { id: string }) => ({ id, name: `item ${id}`, detail: { size: Number(id), tags: ["a", id] } }) } },
);

describe("the events' rest plans", () => {
  const composed = composeServices([items, details].map((s) => ({ name: s.name, url: `http://127.0.0.1:9/${s.name}`, typeDefs: parse(s.typeDefs) })));
  const snapshot = buildSnapshot({ sdl: composed.supergraphSdl!, gatewaySdl: sanitizeForApolloGateway(composed.supergraphSdl!) });
  const services = {
    details: { process: async ({ request }: { request: { query: string; variables?: Record<string, unknown> } }) => JSON.parse(JSON.stringify(await execute({ schema: details.schema, document: parse(request.query), variableValues: request.variables ?? {} }))) },
  } as unknown as ServiceMap;

  it("resolves one shared event for each subscriber without writing into it", async () => {
    const query = "subscription { itemsChanged { id name detail { size tags } } }";
    const planned = new SubscriptionPlanner(10).plan(snapshot, parse(query), undefined, query);
    assert.ok(planned.rest, "the other subgraph's fields are in a rest plan");
    const event = deepFreeze({ data: { itemsChanged: [{ __typename: "Item", id: "1" }, { __typename: "Item", id: "2" }, { __typename: "Item", id: "1" }] } });
    const sent = JSON.stringify(event);
    const expected = { data: { itemsChanged: [1, 2, 1].map((n) => ({ id: `${n}`, name: `item ${n}`, detail: { size: n, tags: ["a", `${n}`] } })) } };
    for (const subscriber of ["a", "b"]) {
      const answer = await executeEvent({ snapshot, planned, services, variables: {}, context: anonymousContext(subscriber) }, event);
      assert.deepEqual(answer, expected, `subscriber ${subscriber}`);
    }
    assert.equal(JSON.stringify(event), sent, "the event is as the subgraph sent it");
  });
});
