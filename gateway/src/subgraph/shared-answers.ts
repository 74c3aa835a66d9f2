/**
 * Answers that several requests hold at once: the dedup layer hands one parsed body to every
 * waiter of a shared fetch that accepts it (`acceptsSharedAnswer`, our executor's fetches), and
 * marks it here. Whoever holds a marked body must not write into it (the executor copies on
 * write: executor/shared-objects.ts). A WeakSet, not a field on the body: the body is the
 * subgraph's parsed JSON, handed on unchanged, and the mark is a fact about that object for
 * every holder (not per-request state), gone with it.
 */
const shared = new WeakSet<object>();

export function markShared(body: object): void {
  shared.add(body);
}

export function isSharedAnswer(body: unknown): boolean {
  return typeof body === "object" && body !== null && shared.has(body);
}
