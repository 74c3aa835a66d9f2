/**
 * `http.GET: "/v1/charges/{$args.id}"`: literal text with `{expression}` slots, parsed once.
 * A slot is one variable path (`$args.x`, `$this.x`, `$batch.x`); its value is percent-encoded,
 * and a list (`$batch.id`) is written comma-separated, each item encoded. Also used for header
 * values (`value: "{$args.idempotencyKey}"`), unencoded there.
 */
import { readPath, type MappingVariables } from "./apply-selection.ts";
import { loadError, type DirectiveSite } from "./load-error.ts";
import { parseSelection, type PathExpr, type VariableName } from "./selection.ts";

export type TemplatePart = { readonly literal: string } | { readonly path: PathExpr; readonly source: string };

export interface Template {
  readonly parts: readonly TemplatePart[];
}

export function parseTemplate(source: string, site: DirectiveSite, allowed: readonly VariableName[]): Template {
  const parts: TemplatePart[] = [];
  let i = 0;
  while (i < source.length) {
    const open = source.indexOf("{", i);
    const close = source.indexOf("}", i);
    if (close !== -1 && (open === -1 || close < open)) throw loadError(site, `unmatched \`}\` at offset ${close}`);
    if (open === -1) {
      parts.push({ literal: source.slice(i) });
      break;
    }
    if (open > i) parts.push({ literal: source.slice(i, open) });
    const end = source.indexOf("}", open);
    if (end === -1) throw loadError(site, `unclosed \`{\` at offset ${open}`);
    const expression = source.slice(open + 1, end).trim();
    const parsed = parseSelection(expression, site, allowed);
    if (parsed.kind !== "path" || parsed.sub || parsed.path.root === "$") {
      throw loadError(site, `\`{${expression}}\` must be one variable path such as {$args.id} (expressions and methods are not supported)`);
    }
    parts.push({ path: parsed.path, source: expression });
    i = end + 1;
  }
  return { parts };
}

/** The variables a template reads. */
export const templateVariables = (template: Template): Set<string> =>
  new Set(template.parts.flatMap((p) => ("path" in p ? [p.path.root] : [])));

/** Writes the template with the values; `encode` is percent-encoding for URLs, identity for headers. */
export function renderTemplate(template: Template, vars: MappingVariables, encode: (s: string) => string = encodeURIComponent): string {
  let out = "";
  for (const part of template.parts) {
    if ("literal" in part) {
      out += part.literal;
      continue;
    }
    const value = readPath(part.path, undefined, vars);
    out += Array.isArray(value) ? value.filter((v) => v !== null && v !== undefined).map((v) => encode(scalar(v))).join(",") : value === null || value === undefined ? "" : encode(scalar(value));
  }
  return out;
}

const scalar = (value: unknown): string => (typeof value === "object" ? JSON.stringify(value) : String(value));
