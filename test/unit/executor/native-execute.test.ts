/**
 * The executor's own decisions: an operation is prepared once per document and operation name,
 * and what it does not run goes to the fallback with the reason named.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Kind, parse, type OperationDefinitionNode } from "graphql";
import { createNativeExecute } from "../../../gateway/src/executor/native-execute.ts";
import { anonymousContext, differentialSystem } from "../../helpers/differential.ts";
import { edgeSubgraphs } from "./edge-subgraphs.ts";

const context = anonymousContext("t");

describe("the native executor", () => {
  const { snapshot } = differentialSystem(edgeSubgraphs());

  function setup() {
    const lookups: boolean[] = [];
    const fallbacks: string[] = [];
    const execute = createNativeExecute({
      service: () => ({ process: async () => ({ data: { count: 3 } }) }),
      fallback: async () => ({ data: { fallback: true } }),
      tracer: undefined,
      onLookup: (hit) => lookups.push(hit),
      onFallback: (reason) => fallbacks.push(reason),
    });
    const run = (query: string) => {
      const document = parse(query);
      const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
      return execute({ snapshot, document, operation, operationName: undefined, queryHash: query, source: query, variables: {}, context });
    };
    return { run, lookups, fallbacks };
  }

  it("prepares an operation once and reuses it for the next request with the same document", async () => {
    const { run, lookups, fallbacks } = setup();
    assert.deepEqual(await run("{ count }"), { data: { count: 3 } });
    assert.deepEqual(await run("{ count }"), { data: { count: 3 } });
    assert.deepEqual(lookups, [false, true]);
    assert.deepEqual(fallbacks, []);
  });

  it("hands __schema mixed with federated fields to the fallback, naming the reason", async () => {
    const { run, fallbacks } = setup();
    assert.deepEqual(await run("{ count __schema { queryType { name } } }"), { data: { fallback: true } });
    assert.deepEqual(fallbacks, ["introspection"]);
  });

  it("answers __typename at the root itself, with no fetch", async () => {
    const { run, fallbacks } = setup();
    assert.deepEqual(await run("{ __typename }"), { data: { __typename: "Query" } });
    assert.deepEqual(fallbacks, []);
  });
});
