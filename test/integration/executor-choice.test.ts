/**
 * `operations.executor` and `operations.planner` as an operator sets them: the same request,
 * through the same real subgraphs, gets the same answer from our executor on Apollo's plans, on
 * Hive's Rust planner's plans, and from `@apollo/gateway`'s executor.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startTestGateway, type TestGateway } from "../helpers/gateway.ts";
import { demoAuth, startTestSubgraphs, type TestSubgraphs } from "../helpers/system.ts";
import { DEMO_PASSWORD, EMAILS, gql } from "../helpers/subgraphs.ts";

let subgraphs: TestSubgraphs;
const gateways: Record<string, TestGateway> = {};

before(async () => {
  subgraphs = await startTestSubgraphs();
  const base = { subgraphs: { ...subgraphs.routing, all: { healthCheck: { enabled: false } } }, auth: demoAuth(subgraphs) };
  gateways.native = await startTestGateway(base);
  gateways.hive = await startTestGateway({ ...base, operations: { planner: "hive-rust" } });
  gateways.apollo = await startTestGateway({ ...base, operations: { executor: "apollo" } });
});
after(async () => {
  await Promise.all(Object.values(gateways).map((g) => g.stop()));
  await subgraphs?.close();
});

const ORDERS = `query Orders { me { id name } orders(first: 5) { totalCount edges { node { id totalCents items { sku quantity } delivery { status events { status } } payment { status amountCents } } } } }`;

describe("the executor and planner settings", () => {
  it("answer a query across every subgraph alike, whichever executor and planner run it", async () => {
    const login = await gql<{ login: { accessToken: string } }>(gateways.native!.url, `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }`, {
      variables: { e: EMAILS.alice, p: DEMO_PASSWORD },
    });
    const token = login.data!.login.accessToken;
    const answers = await Promise.all(["native", "hive", "apollo"].map((name) => gql(gateways[name]!.url, ORDERS, { token })));
    for (const answer of answers) {
      assert.equal(answer.status, 200);
      assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
    }
    assert.equal((answers[0]!.data as any).orders.edges.length, 5);
    assert.deepEqual(answers[1]!.data, answers[0]!.data, "on Hive's Rust planner");
    assert.deepEqual(answers[2]!.data, answers[0]!.data, "on @apollo/gateway's executor");
  });
});
