import DataLoader from "dataloader";

/**
 * A per-request loader for rows with a unique key: `fetch` receives every key asked for in one
 * tick and must answer with one SQL query; missing keys resolve to null.
 */
export function keyedLoader<K extends string, R>(
  fetch: (keys: readonly K[]) => readonly R[],
  keyOf: (row: R) => K,
): DataLoader<K, R | null> {
  return new DataLoader<K, R | null>(async (keys) => {
    const byKey = new Map<K, R>();
    for (const row of fetch(keys)) byKey.set(keyOf(row), row);
    return keys.map((key) => byKey.get(key) ?? null);
  });
}

/** A per-request loader for one-to-many rows (an order's items, a delivery's events), in query order. */
export function groupedLoader<K extends string, R>(
  fetch: (keys: readonly K[]) => readonly R[],
  keyOf: (row: R) => K,
): DataLoader<K, R[]> {
  return new DataLoader<K, R[]>(async (keys) => {
    const groups = new Map<K, R[]>();
    for (const row of fetch(keys)) {
      const key = keyOf(row);
      const group = groups.get(key);
      if (group) group.push(row);
      else groups.set(key, [row]);
    }
    return keys.map((key) => groups.get(key) ?? []);
  });
}
