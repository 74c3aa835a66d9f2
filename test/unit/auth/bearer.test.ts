import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bearerCredentials, type BearerCredentials } from "../../../gateway/src/auth/bearer.ts";

const cases: Array<{ name: string; header: string | string[] | undefined; expected: BearerCredentials["kind"]; token?: string }> = [
  { name: "no header means no credentials", header: undefined, expected: "none" },
  { name: "a Bearer token is read", header: "Bearer abc.def.ghi", expected: "bearer", token: "abc.def.ghi" },
  { name: "the scheme is case-insensitive", header: "bearer abc.def-_~+/=", expected: "bearer", token: "abc.def-_~+/=" },
  { name: "another scheme is malformed", header: "Basic dXNlcjpwYXNz", expected: "malformed" },
  { name: "a Bearer scheme without a token is malformed", header: "Bearer ", expected: "malformed" },
  { name: "a token with spaces inside is malformed", header: "Bearer abc def", expected: "malformed" },
  { name: "an empty header is malformed", header: "", expected: "malformed" },
  { name: "a token with a quote is malformed", header: 'Bearer abc"def', expected: "malformed" },
  { name: "repeated headers are malformed", header: ["Bearer a", "Bearer b"], expected: "malformed" },
];

describe("reading the Authorization header", () => {
  for (const c of cases) {
    it(c.name, () => {
      const result = bearerCredentials(c.header);
      assert.equal(result.kind, c.expected);
      if (c.token !== undefined) assert.equal(result.kind === "bearer" ? result.token : undefined, c.token);
    });
  }
});
