/**
 * `operations.planner: hive-rust` on a platform without a build of the native module: the
 * gateway refuses to start with a message naming the setting, the platforms the module ships
 * for and the loader's own reason (gateway.ts loads it at startup, before any request).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadHivePlanner } from "../../../gateway/src/executor/hive-plans.ts";

describe("loading Hive's Rust planner", () => {
  it("names the setting, the supported platforms and the loader's reason when the native module does not load", () => {
    const missingBuild = (id: string): never => {
      throw new Error(`Cannot find module '${id}-linux-x64-musl'`);
    };
    assert.throws(
      () => loadHivePlanner(missingBuild),
      (e: Error) => {
        assert.match(e.message, /operations\.planner is "hive-rust"/);
        assert.match(e.message, /glibc Linux and macOS/);
        assert.match(e.message, /Cannot find module '@graphql-hive\/router-query-planner-linux-x64-musl'/);
        return true;
      },
    );
  });

  it("gives the planner class where the module loads (this machine)", () => {
    const QueryPlanner = loadHivePlanner();
    assert.equal(typeof QueryPlanner, "function");
  });
});
