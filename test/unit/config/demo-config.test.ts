/**
 * The demo configuration (gateway/gateway.config.ts, what `npm start` runs) stays in step with
 * the demo subgraphs: every client-fault code a subgraph can return keeps its message in
 * production. A code added to subgraphs/shared/errors.ts without this fails here.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import demoConfig from "../../../gateway/gateway.config.ts";
import { errorCodes } from "../../../gateway/src/errors/codes.ts";
import { ERROR_CODES } from "../../../subgraphs/shared/errors.ts";

describe("the demo configuration", () => {
  it("lists every client-fault code of the demo subgraphs as client-facing", () => {
    const generic = new Set(["FORBIDDEN", "NOT_FOUND", "BAD_USER_INPUT", ...Object.keys(errorCodes)]);
    const listed = new Set(demoConfig.errors?.clientFacingCodes ?? []);
    // UPSTREAM_ERROR is the subgraphs' own upstream failure: masked in production on purpose.
    const missing = Object.keys(ERROR_CODES).filter((code) => code !== "UPSTREAM_ERROR" && !generic.has(code) && !listed.has(code));
    assert.deepEqual(missing, []);
  });
});
