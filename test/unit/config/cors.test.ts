import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { validateConfig } from "../../../gateway/src/config/load.ts";

describe("the server.cors configuration", () => {
  it("allows no origin by default, and lower-cases the origins it lists", () => {
    assert.deepEqual(validateConfig({}, {}).server.cors.origins, []);
    assert.deepEqual(validateConfig({ server: { cors: { origins: ["https://App.Example.com", "http://localhost:3000"] } } }, {}).server.cors.origins, [
      "https://app.example.com",
      "http://localhost:3000",
    ]);
  });

  it("refuses an origin with a path or trailing slash, naming the expected form", () => {
    for (const bad of ["https://app.example.com/", "https://app.example.com/graphql", "app.example.com", "*.example.com"]) {
      assert.throws(() => validateConfig({ server: { cors: { origins: [bad] } } }, {}), /server\.cors\.origins\.0: .*scheme:\/\/host\[:port\]/, bad);
    }
  });

  it("refuses credentials for every origin, which browsers never accept", () => {
    assert.throws(() => validateConfig({ server: { cors: { origins: ["*"], credentials: true } } }, {}), /server\.cors\.credentials: credentials cannot be allowed for every origin/);
  });
});
