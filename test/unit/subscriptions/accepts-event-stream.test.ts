import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { acceptsEventStream } from "../../../gateway/src/subscriptions/sse-handler.ts";

describe("which requests are event streams", () => {
  const table: Array<[string | undefined, boolean]> = [
    ["text/event-stream", true],
    ["application/json, text/event-stream", true],
    ["text/event-stream;q=0.9, application/json", true],
    ["TEXT/EVENT-STREAM", true],
    ["application/json", false],
    ["application/graphql-response+json", false],
    ["text/event-streamed", false],
    [undefined, false],
  ];
  for (const [accept, expected] of table) {
    it(`Accept ${JSON.stringify(accept)} ${expected ? "is" : "is not"} served as SSE`, () => {
      assert.equal(acceptsEventStream(accept), expected);
    });
  }
});
