import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { negotiateEncoding, utf8Bytes } from "../../../gateway/src/server/compression.ts";

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

describe("an answer's bytes", () => {
  const texts = {
    ASCII: JSON.stringify({ data: { name: "Ada", n: 1 } }),
    "Latin-1 (é)": '{"name":"Zoé"}',
    "a character whose low byte is ASCII (Ł, U+0141)": '{"name":"Łódź"}',
    "an astral character (a surrogate pair)": '{"emoji":"\u{1F600}"}',
    "a lone surrogate": '{"broken":"\ud800"}',
    "the empty string": "",
  };
  for (const [kind, text] of Object.entries(texts)) {
    it(`are the UTF-8 encoding of the text for ${kind}`, () => {
      assert.deepEqual(utf8Bytes(text), Buffer.from(text, "utf8"));
    });
  }
});
