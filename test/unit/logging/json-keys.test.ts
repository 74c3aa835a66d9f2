import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { duplicateKeys } from "../../helpers/json-keys.ts";

describe("duplicateKeys (test helper)", () => {
  it("finds a key written twice in one object, at any depth, and nothing else", () => {
    assert.deepEqual(duplicateKeys('{"a":1,"b":{"c":"x","c":"y"},"a":2}'), ["c", "a"]);
    assert.deepEqual(duplicateKeys('{"a":{"a":1},"list":[{"a":1},{"a":2}],"s":"\\"a\\",\\"a\\""}'), []);
  });
});
