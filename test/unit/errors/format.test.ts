import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { GraphQLError } from "graphql";
import { createErrorFormatter } from "../../../gateway/src/errors/format.ts";

const dev = createErrorFormatter({ mask: false });
const prod = createErrorFormatter({ mask: true });

describe("error formatting", () => {
  it("never passes a stack trace to the client", () => {
    const out = dev({ message: "x", extensions: { code: "BAD_USER_INPUT", stacktrace: ["at a"], exception: {} } }, new GraphQLError("x"));
    assert.deepEqual(out.extensions, { code: "BAD_USER_INPUT" });
  });

  it("hides internal URLs, addresses and socket errors in every mode", () => {
    for (const message of ["connect ECONNREFUSED 127.0.0.1:4002", "request to http://orders.internal:4002/graphql failed", "socket hang up at 10.0.0.7:80"]) {
      const out = dev({ message, extensions: { code: "DOWNSTREAM_SERVICE_ERROR", serviceName: "orders" } }, new GraphQLError(message));
      assert.equal(out.message, 'Subgraph "orders" failed', message);
    }
  });

  it("masks unexpected errors in production and keeps client-facing messages", () => {
    assert.equal(prod({ message: "TypeError: cannot read x of undefined" }, new Error("boom")).message, "Internal server error");
    assert.equal(prod({ message: "You may only read your own orders", extensions: { code: "FORBIDDEN", serviceName: "orders" } }, undefined).message, "You may only read your own orders");
    assert.equal(prod({ message: "db locked", extensions: { code: "INTERNAL_SERVER_ERROR", serviceName: "orders" } }, undefined).message, 'Subgraph "orders" failed');
  });

  it("keeps the code of a validation rule under Apollo Server's wrapper", () => {
    const inner = new GraphQLError("too deep", { extensions: { code: "MAX_DEPTH_EXCEEDED" } });
    const wrapper = new GraphQLError("too deep", { originalError: inner, extensions: { code: "GRAPHQL_VALIDATION_FAILED" } });
    assert.equal(dev({ message: "too deep", extensions: { code: "GRAPHQL_VALIDATION_FAILED" } }, wrapper).extensions?.code, "MAX_DEPTH_EXCEEDED");
  });

  it("gives graphql-js's token limit its own code", () => {
    const out = dev({ message: "Syntax Error: Document contains more that 50 tokens. Parsing aborted.", extensions: { code: "GRAPHQL_PARSE_FAILED" } }, undefined);
    assert.equal(out.extensions?.code, "MAX_TOKENS_EXCEEDED");
  });

  it("keeps the messages of the subgraph codes configured as client-facing, and only those, in production", () => {
    const configured = createErrorFormatter({ mask: true, clientFacingCodes: ["ORDER_NOT_PAYABLE"] });
    const error = { message: "A cancelled order cannot be paid", extensions: { code: "ORDER_NOT_PAYABLE", serviceName: "payments" } };
    assert.equal(configured(error, undefined).message, "A cancelled order cannot be paid");
    assert.equal(prod(error, undefined).message, 'Subgraph "payments" failed');
    assert.equal(prod(error, undefined).extensions?.code, "ORDER_NOT_PAYABLE", "the code stays either way");
  });

  it("names what is wrong with an unsupported persisted query, as a client fault", () => {
    const out = prod({ message: "Unsupported persisted query version", extensions: {} }, new GraphQLError("Unsupported persisted query version"));
    assert.equal(out.extensions?.code, "BAD_REQUEST");
    assert.match(out.message, /"version": 1, "sha256Hash"/);
  });
});
