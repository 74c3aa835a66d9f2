/**
 * Recorded usage from a JSON file instead of a store: `{ "operations": [{ "client": { "name",
 * "version" }, "query", "operationName"? }] }`. CI checks schema changes against the test
 * fixtures' operations this way (test/fixtures/usage-operations.json), with no gateway running.
 */
import { readFileSync } from "node:fs";
import { parse, validate, type GraphQLSchema } from "graphql";
import { z } from "zod";
import { describeOperation } from "./operation-shape.ts";
import { groupByOperation, type RecordedOperation } from "./store.ts";

const fileSchema = z.strictObject({
  operations: z.array(
    z.strictObject({
      client: z.strictObject({ name: z.string(), version: z.string().default("") }),
      query: z.string().min(1),
      operationName: z.string().optional(),
    }),
  ),
});

/** The file's operations as if each had been executed once, now, against `schema`. */
export function recordedFromFile(path: string, schema: GraphQLSchema, now = Date.now()): RecordedOperation[] {
  const parsed = fileSchema.safeParse(JSON.parse(readFileSync(path, "utf8")));
  if (!parsed.success) throw new Error(`${path}: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  const rows = parsed.data.operations.map((entry, i) => {
    const document = parse(entry.query);
    // A fixture invalid already would pass every check silently: it is refused instead.
    const errors = validate(schema, document);
    if (errors.length > 0) throw new Error(`${path}: operations.${i} is not valid against the schema it is checked from: ${errors.map((e) => e.message).join("; ")}`);
    const shape = describeOperation(schema, document, entry.operationName);
    if (!shape) throw new Error(`${path}: operations.${i} selects no operation`);
    const { deprecated: _deprecated, ...stored } = shape;
    return { shape: stored, client: { name: entry.client.name, version: entry.client.version, count: 1, lastSeen: now } };
  });
  return groupByOperation(rows);
}
