/**
 * Finds keys written twice in one JSON object (at any depth). `JSON.parse` silently keeps the
 * last one, so a log line with `"component":"x","component":"x"` parses fine and still breaks
 * log pipelines that reject duplicate keys: tests read the raw text.
 */
export function duplicateKeys(json: string): string[] {
  const duplicates: string[] = [];
  const objects: Array<Set<string> | undefined> = []; // undefined for an array level
  let expectKey = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === '"') {
      let end = i + 1;
      while (end < json.length && json[end] !== '"') end += json[end] === "\\" ? 2 : 1;
      if (expectKey) {
        const key = json.slice(i + 1, end);
        const keys = objects[objects.length - 1]!;
        if (keys.has(key)) duplicates.push(key);
        keys.add(key);
        expectKey = false;
      }
      i = end;
    } else if (c === "{") {
      objects.push(new Set());
      expectKey = true;
    } else if (c === "[") {
      objects.push(undefined);
    } else if (c === "}" || c === "]") {
      objects.pop();
    } else if (c === ",") {
      expectKey = objects[objects.length - 1] !== undefined;
    }
  }
  return duplicates;
}
