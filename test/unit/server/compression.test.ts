import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { negotiateEncoding } from "../../../gateway/src/server/compression.ts";

describe("negotiating a response encoding", () => {
  const cases: Array<[string | undefined, string | undefined]> = [
    [undefined, undefined],
    ["", undefined],
    ["identity", undefined],
    ["gzip", "gzip"],
    ["gzip, deflate, br", "br"],
    ["br;q=0.5, gzip", "gzip"],
    ["br;q=0, gzip;q=0", undefined],
    ["GZIP", "gzip"],
    ["x-gzip", "gzip"],
    ["*", "br"],
    ["*;q=0.1, br;q=0", "gzip"],
    ["deflate", undefined],
    ["gzip;q=abc", undefined],
  ];
  for (const [header, expected] of cases) {
    it(`answers Accept-Encoding ${JSON.stringify(header)} with ${expected ?? "no encoding"}`, () => {
      assert.equal(negotiateEncoding(header), expected);
    });
  }
});
