/**
 * A gate that opens at most once per interval: for warnings about a condition that lasts (a
 * store down, a connection failing), so the log gets one line every few seconds, not one per
 * request or per reconnection attempt.
 */
export function atMostEvery(intervalMs: number, now: () => number = Date.now): () => boolean {
  let last = -Infinity;
  return () => {
    const t = now();
    if (t - last < intervalMs) return false;
    last = t;
    return true;
  };
}
