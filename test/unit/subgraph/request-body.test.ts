/**
 * The subgraph request body: representations the executor serialized once are written from that
 * text, everything else as JSON (sorted and canonical only for the dedup layer's key).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { plainBody, serializeBody, withJsonText } from "../../../gateway/src/subgraph/request-body.ts";

describe("the subgraph request body", () => {
  it("writes representations from the text recorded beside them, and the rest as plain JSON", () => {
    const representations = withJsonText([{ __typename: "T", id: "1" }], '[{"__typename":"T","id":"1"}]');
    const body = { query: "q", operationName: "Op", variables: { z: { b: 1, a: 2 }, representations } };
    assert.equal(plainBody(body), '{"query":"q","operationName":"Op","variables":{"z":{"b":1,"a":2},"representations":[{"__typename":"T","id":"1"}]}}');
    assert.deepEqual(JSON.parse(plainBody(body)), body);
  });

  it("sorts variables and canonicalizes client values for the sharing key, keeping the representations' text", () => {
    const representations = withJsonText([{ __typename: "T", z: 1, a: 2 }], '[{"__typename":"T","z":1,"a":2}]');
    assert.equal(serializeBody({ query: "q", variables: { representations, filter: { z: 1, a: 2 } } }), '{"query":"q","variables":{"filter":{"a":2,"z":1},"representations":[{"__typename":"T","z":1,"a":2}]}}');
  });

  it("serializes a representations array without recorded text as JSON", () => {
    assert.equal(plainBody({ query: "q", variables: { representations: [{ id: 1 }] } }), '{"query":"q","variables":{"representations":[{"id":1}]}}');
  });
});
