/**
 * Incremental delivery over HTTP as `multipart/mixed` (the format Apollo Client, Relay and urql
 * read, `deferSpec=20220824`): one JSON part per payload, written as it is ready, then the closing
 * boundary. A client that did not ask for multipart never gets this: it is answered at once.
 */
import type { ServerResponse } from "node:http";
import type { FormattedSubsequentPayload } from "../pipeline/pipeline.ts";

const BOUNDARY = "graphql";
export const MULTIPART_CONTENT_TYPE = `multipart/mixed; boundary="${BOUNDARY}"; deferSpec=20220824`;
const PART_HEAD = `\r\n--${BOUNDARY}\r\ncontent-type: application/json; charset=utf-8\r\n\r\n`;

/** True when the Accept header names multipart/mixed (with any parameters). */
export function acceptsMultipart(accept: string | undefined): boolean {
  return accept !== undefined && /(^|,)\s*multipart\/mixed\b/i.test(accept);
}

/**
 * Writes the first payload, then each subsequent one as it arrives; stops early when the client
 * leaves (leaving the loop ends `rest`, so the parts not yet run are not run).
 */
export async function sendMultipart(res: ServerResponse, first: string, rest: AsyncIterable<FormattedSubsequentPayload>): Promise<void> {
  res.statusCode = 200;
  res.setHeader("content-type", MULTIPART_CONTENT_TYPE);
  res.setHeader("cache-control", "no-store");
  // A slow reader holds the next part back instead of buffering every part in memory.
  if (!res.write(PART_HEAD + first)) await writable(res);
  for await (const payload of rest) {
    if (res.destroyed) return;
    if (!res.write(PART_HEAD + JSON.stringify(payload))) await writable(res);
    if (res.destroyed) return;
  }
  res.end(`\r\n--${BOUNDARY}--\r\n`);
}

/** When the response takes more again, or is closed: a client that leaves while held back never drains. */
function writable(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}
