import { badInput } from "../shared/errors.ts";
import type { OrderPosition } from "./repository.ts";

/** Largest page a client may ask for; bigger requests are refused rather than silently cut. */
export const MAX_PAGE_SIZE = 100;

/** Cursors are opaque to clients: base64url of the keyset position. */
export const encodeCursor = ({ createdAt, seq }: OrderPosition): string =>
  Buffer.from(`order:${createdAt}:${seq}`).toString("base64url");

export function decodeCursor(cursor: string): OrderPosition {
  const match = /^order:(\d+):(\d+)$/.exec(Buffer.from(cursor, "base64url").toString("utf8"));
  if (!match) throw badInput("Invalid cursor", { argumentName: "after" });
  return { createdAt: Number(match[1]), seq: Number(match[2]) };
}

export function checkPageSize(first: number): number {
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
    throw badInput(`first must be between 0 and ${MAX_PAGE_SIZE}`, { argumentName: "first", max: MAX_PAGE_SIZE });
  }
  return first;
}

/** A Relay-style connection. `totalCount` is a thunk: graphql-js calls it only if selected. */
export function toConnection<T extends OrderPosition>(rows: readonly T[], first: number, totalCount: () => number) {
  const nodes = rows.slice(0, first);
  const edges = nodes.map((node) => ({ cursor: encodeCursor(node), node }));
  return {
    edges,
    pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null },
    totalCount,
  };
}
