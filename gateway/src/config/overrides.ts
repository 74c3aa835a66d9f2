/**
 * Apollo Router style overrides: `subgraphs.all` holds settings with defaults, and each
 * `subgraphs.<name>` entry overrides only the keys it writes, at any depth. zod's `.partial()`
 * keeps inner defaults (an override of one key would reset its siblings to their defaults), so
 * the override schema is derived from the full one with every default stripped.
 */
import { z } from "zod";

/** Every key optional at every depth; arrays and unions are replaced whole. */
export type DeepPartial<T> = T extends readonly unknown[] ? T : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

/** The same strict object schema with every key optional and no defaults, recursively. */
export function overrideSchemaOf<S extends z.ZodObject>(schema: S): z.ZodType<DeepPartial<z.output<S>>, DeepPartial<z.input<S>>> {
  return stripDefaults(schema) as unknown as z.ZodType<DeepPartial<z.output<S>>, DeepPartial<z.input<S>>>;
}

function stripDefaults(schema: z.ZodObject): z.ZodObject {
  const shape: Record<string, z.ZodType> = {};
  for (const [key, field] of Object.entries(schema.shape)) shape[key] = optionalWithoutDefault(field as z.ZodType);
  return z.strictObject(shape);
}

function optionalWithoutDefault(field: z.ZodType): z.ZodType {
  let inner: z.ZodType = field;
  while (inner instanceof z.ZodDefault || inner instanceof z.ZodPrefault || inner instanceof z.ZodOptional) {
    inner = inner.unwrap() as z.ZodType;
  }
  return (inner instanceof z.ZodObject ? stripDefaults(inner) : inner).optional();
}

/** Overlays the keys an override sets onto a base, recursing into plain objects only. */
export function applyOverride<T>(base: T, override: DeepPartial<T> | undefined): T {
  if (override === undefined) return base;
  if (!isPlainObject(base) || !isPlainObject(override)) return override as T;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    if (value !== undefined) out[key] = applyOverride(out[key], value as never);
  }
  return out as T;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype;
}
