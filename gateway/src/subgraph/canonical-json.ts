/**
 * JSON with object keys in sorted order, so two values that differ only in key order serialize
 * to the same text. The dedup layer keys in-flight fetches on it and sends it as the body (key
 * order never changes what a GraphQL server answers). Otherwise it follows `JSON.stringify`:
 * `toJSON` is honoured, undefined and function members are dropped from objects and become
 * `null` in arrays, non-finite numbers become `null`.
 */
export function canonicalJson(value: unknown): string {
  return write(value) ?? "null";
}

function write(value: unknown): string | undefined {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "number":
      return Number.isFinite(value) ? String(value) : "null";
    case "boolean":
      return value ? "true" : "false";
    case "bigint":
      // JSON.stringify throws on a bigint; so does this, with the same error.
      return JSON.stringify(value);
    case "object": {
      if (value === null) return "null";
      const withToJson = value as { toJSON?: () => unknown };
      if (typeof withToJson.toJSON === "function") return write(withToJson.toJSON());
      if (Array.isArray(value)) {
        let out = "[";
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out += ",";
          out += write(value[i]) ?? "null";
        }
        return `${out}]`;
      }
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record).sort();
      let out = "{";
      let first = true;
      for (const key of keys) {
        const member = write(record[key]);
        if (member === undefined) continue;
        out += `${first ? "" : ","}${JSON.stringify(key)}:${member}`;
        first = false;
      }
      return `${out}}`;
    }
    default:
      // undefined, functions and symbols have no JSON form.
      return undefined;
  }
}
