/**
 * Reads a request body up to a byte limit and within a deadline. A declared Content-Length over
 * the limit is refused before a byte is read; an undeclared (chunked) body is cut off as soon as
 * it passes the limit, so a huge body never sits in memory; a body that has not arrived whole by
 * the deadline (a stalled or trickling client) is given up, so it cannot hold a request open.
 */
import type { IncomingMessage } from "node:http";

export type BodyResult =
  | { kind: "ok"; text: string }
  | { kind: "too-large"; limit: number }
  | { kind: "timeout"; timeoutMs: number }
  | { kind: "aborted" };

export function readBody(req: IncomingMessage, limit: number, timeoutMs: number): Promise<BodyResult> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve({ kind: "too-large", limit });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const timer = setTimeout(() => settle({ kind: "timeout", timeoutMs }), timeoutMs);
    const settle = (result: BodyResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.off("data", onData).off("end", onEnd).off("error", onError).off("aborted", onError);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        // Stop buffering; the rest of the body is drained and discarded.
        chunks.length = 0;
        req.resume();
        settle({ kind: "too-large", limit });
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => settle({ kind: "ok", text: Buffer.concat(chunks, size).toString("utf8") });
    const onError = () => settle({ kind: "aborted" });
    req.on("data", onData).on("end", onEnd).on("error", onError).on("aborted", onError);
  });
}
