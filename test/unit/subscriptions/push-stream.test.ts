import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { PushStream } from "../../../gateway/src/subscriptions/push-stream.ts";

async function drain<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const value of stream) out.push(value);
  return out;
}

describe("the bounded push stream", () => {
  it("hands pushed events to the reader in order, then ends", async () => {
    const stream = new PushStream<number>(10, () => undefined);
    stream.push(1);
    stream.push(2);
    stream.end(3);
    assert.deepEqual(await drain(stream), [1, 2, 3]);
  });

  it("delivers an event pushed while the reader waits", async () => {
    const stream = new PushStream<string>(10, () => undefined);
    const next = stream.next();
    stream.push("a");
    assert.deepEqual(await next, { value: "a", done: false });
  });

  it("refuses an event once the reader is maxQueued behind, and still takes the last event that says why", async () => {
    const stream = new PushStream<string>(2, () => undefined);
    assert.equal(stream.push("a"), true);
    assert.equal(stream.push("b"), true);
    assert.equal(stream.push("c"), false);
    stream.end("slow");
    assert.deepEqual(await drain(stream), ["a", "b", "slow"]);
  });

  it("runs the cleanup exactly once, whether the owner ends it or the reader returns", async () => {
    let cleanups = 0;
    const stream = new PushStream<number>(10, () => cleanups++);
    stream.end();
    await stream.return();
    stream.end();
    assert.equal(cleanups, 1);

    let other = 0;
    const left = new PushStream<number>(10, () => other++);
    const pending = left.next();
    await left.return();
    assert.deepEqual(await pending, { value: undefined, done: true });
    assert.equal(left.push(1), false, "nothing is accepted after the reader left");
    assert.equal(other, 1);
  });
});
