/**
 * The upstream hub's reconnection of a non-WebSocket source (a gRPC server stream): reopened with
 * backoff when it drops after delivering, members kept; ended at once when it is unavailable from
 * the start; given up after `maxAttempts` reopenings in a row that deliver nothing.
 */
import assert from "node:assert/strict";
import { describe, it, mock } from "node:test";
import type { FormattedExecutionResult } from "graphql";
import { createLogger } from "../../../gateway/src/logging/logger.ts";
import { UpstreamHub, type UpstreamEnd, type UpstreamMember, type UpstreamSource } from "../../../gateway/src/subscriptions/upstream.ts";

type Sink = Parameters<UpstreamSource>[0];

/** A source whose n-th opening runs `script[n]` (the last one again past the end), counting openings. */
function scripted(script: Array<(sink: Sink) => void>) {
  const state = { opened: 0, stopped: 0 };
  const source: UpstreamSource = (sink) => {
    const run = script[Math.min(state.opened, script.length - 1)]!;
    state.opened++;
    queueMicrotask(() => run(sink));
    return () => void state.stopped++;
  };
  return { state, source };
}

function member() {
  const events: FormattedExecutionResult[] = [];
  const ends: UpstreamEnd[] = [];
  const m: UpstreamMember = { credentials: () => undefined, next: (e) => events.push(e), end: (e) => ends.push(e) };
  return { m, events, ends };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

const event = (n: number): FormattedExecutionResult => ({ data: { n } });
const unavailable: UpstreamEnd = { kind: "unavailable", reason: "the gRPC service is unavailable" };
/** A stream that delivers one event, then drops (its instance went away). */
const deliversThenDrops = (sink: Sink) => {
  sink.next(event(1));
  sink.end(unavailable);
};

function hub(events: string[] = []) {
  return new UpstreamHub({
    logger: createLogger({ level: "silent" }),
    reconnect: { initialDelayMs: 1, maxDelayMs: 4, maxAttempts: 3 },
    keepAliveMs: 60_000,
    onConnectionEvent: (_subgraph, e) => events.push(e),
  });
}
const request = (source: UpstreamSource) => ({ subgraph: "routing", url: "grpc://unused", query: "subscription { x }", variables: {}, operationName: undefined, source });

describe("upstream sources that drop", () => {
  it("are ended at once, without reopening, when unavailable before delivering anything", async () => {
    const { state, source } = scripted([(sink) => sink.end(unavailable)]);
    const { m, ends } = member();
    hub().join("k", request(source), m);
    await until(() => ends.length === 1, "the end");
    assert.deepEqual(ends, [unavailable]);
    assert.equal(state.opened, 1);
  });

  it("are reopened when they drop after delivering, the members kept and told nothing but the events", async () => {
    const reported: string[] = [];
    const { state, source } = scripted([
      deliversThenDrops,
      (sink) => sink.end(unavailable),
      (sink) => sink.next(event(2)),
    ]);
    const { m, events, ends } = member();
    hub(reported).join("k", request(source), m);
    await until(() => events.length === 2, "the event after reopening");
    assert.deepEqual(events, [event(1), event(2)]);
    assert.deepEqual(ends, []);
    assert.equal(state.opened, 3);
    assert.deepEqual(reported, ["reconnected"]);
  });

  it("end as unavailable after maxAttempts reopenings in a row deliver nothing, reporting it", async () => {
    const reported: string[] = [];
    const { state, source } = scripted([
      deliversThenDrops,
      (sink) => sink.end(unavailable),
    ]);
    const { m, ends } = member();
    hub(reported).join("k", request(source), m);
    await until(() => ends.length === 1, "the end");
    assert.deepEqual(ends, [unavailable]);
    assert.equal(state.opened, 1 + 3, "the first opening and three reopenings");
    assert.deepEqual(reported, ["exhausted"]);
  });

  it("are not reopened once the last member has left", async () => {
    let sinkOf: Sink | undefined;
    const { state, source } = scripted([(sink) => {
      sinkOf = sink;
      sink.next(event(1));
    }]);
    const { m } = member();
    const leave = hub().join("k", request(source), m);
    await until(() => sinkOf !== undefined, "the opening");
    mock.timers.enable({ apis: ["setTimeout"] });
    try {
      leave();
      sinkOf!.end(unavailable);
      mock.timers.tick(60_000);
      assert.equal(state.opened, 1);
      assert.equal(state.stopped, 1);
    } finally {
      mock.timers.reset();
    }
  });

  it("end as the source says when it completes or is refused, whatever it delivered", async () => {
    for (const end of [{ kind: "completed" }, { kind: "refused", errors: [{ message: "no" }] }] as UpstreamEnd[]) {
      const { state, source } = scripted([(sink) => {
        sink.next(event(1));
        sink.end(end);
      }]);
      const { m, ends } = member();
      hub().join("k", request(source), m);
      await until(() => ends.length === 1, "the end");
      assert.deepEqual(ends, [end]);
      assert.equal(state.opened, 1);
    }
  });
});
