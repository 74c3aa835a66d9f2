import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { FetchDeadline } from "../../../gateway/src/subgraph/fetch-deadline.ts";

describe("a fetch deadline", () => {
  it("fires as expired when its own time is up", async () => {
    const deadline = new FetchDeadline(5, undefined);
    await once(deadline, "abort");
    assert.equal(deadline.aborted, true);
    assert.equal(deadline.expired, true);
    assert.equal((deadline.reason as Error).name, "TimeoutError");
  });

  it("fires, not expired, with the caller's reason when the caller aborts first", async () => {
    const caller = new AbortController();
    const deadline = new FetchDeadline(60_000, caller.signal);
    const fired = once(deadline, "abort");
    caller.abort(new Error("client gone"));
    await fired;
    assert.equal(deadline.expired, false);
    assert.equal((deadline.reason as Error).message, "client gone");
    deadline.dispose();
  });

  it("starts aborted when the caller already is", () => {
    const deadline = new FetchDeadline(60_000, AbortSignal.abort());
    assert.equal(deadline.aborted, true);
    deadline.dispose();
  });

  it("stops listening to the caller once disposed", () => {
    const caller = new AbortController();
    const deadline = new FetchDeadline(60_000, caller.signal);
    deadline.dispose();
    caller.abort();
    assert.equal(deadline.aborted, false);
  });
});
