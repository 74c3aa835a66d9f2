/**
 * The subset of Apollo Connectors' mapping language this gateway runs, parsed once at load.
 *
 * Supported: field names (`id status`), aliases (`amountCents: amount`), paths (`a.b.c`,
 * `$.data`), variables (`$args.x`, `$this.x`, `$batch.x` where the connector allows them, and
 * `$config.x` everywhere: the gateway config's `connectors.<subgraph>.config`),
 * subselections (`items { id }`, `$.data { id }`, `alias: { id: a }`), a whole selection that is
 * one path (`error.message`) and `#` comments.
 * Anything else (methods `->`, literals `$(…)`, spreads `...`, quoted keys, `@`, `?`, other variables)
 * is refused with the construct named, so no connector silently means something else here.
 */
import { loadError, type DirectiveSite } from "./load-error.ts";

/** The variables a mapping may read; which ones a connector allows depends on where it sits. */
export type VariableName = "$args" | "$this" | "$batch" | "$config";

/** A path: where it starts (the current value, or a variable) and the keys to follow. */
export interface PathExpr {
  readonly root: "$" | VariableName;
  readonly keys: readonly string[];
}

export type Named =
  /** `key`, `alias: key`, `alias: a.b`, `alias: $args.x`, each with an optional `{ … }`. */
  | { readonly kind: "path"; readonly output: string; readonly path: PathExpr; readonly sub: Selection | undefined }
  /** `alias: { … }`: an object built from the current value. */
  | { readonly kind: "object"; readonly output: string; readonly sub: Selection };

export type Selection =
  | { readonly kind: "named"; readonly items: readonly Named[] }
  /** A whole selection that is one path, with an optional subselection (`$.data { id }`). */
  | { readonly kind: "path"; readonly path: PathExpr; readonly sub: Selection | undefined };

type Token = { type: "name" | "var" | "punct"; text: string; at: number };

const SUPPORTED = "supported: field names, aliases `alias: field`, paths `a.b`, `{ }` subselections, $args, $this, $batch, $config";

function tokenize(source: string, site: DirectiveSite): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const refuse = (construct: string) => {
    throw loadError(site, `${construct} (at offset ${i}) is not supported by this gateway (${SUPPORTED})`);
  };
  while (i < source.length) {
    const c = source[i]!;
    if (/\s|,/.test(c)) {
      i++;
    } else if (c === "#") {
      while (i < source.length && source[i] !== "\n") i++;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(i))!;
      tokens.push({ type: "name", text: m[0], at: i });
      i += m[0].length;
    } else if (c === "$") {
      if (source[i + 1] === "(") refuse("the literal value `$(…)`");
      const m = /^\$[A-Za-z_]*/.exec(source.slice(i))!;
      if (!["$", "$args", "$this", "$batch", "$config"].includes(m[0])) refuse(`the variable \`${m[0]}\``);
      tokens.push({ type: "var", text: m[0], at: i });
      i += m[0].length;
    } else if (c === "-" && source[i + 1] === ">") {
      const name = /^->\s*([A-Za-z_]*)/.exec(source.slice(i))?.[1] ?? "";
      refuse(`the method \`->${name}\``);
    } else if (c === "." && source.startsWith("...", i)) {
      refuse("the spread `...`");
    } else if (".:{}".includes(c)) {
      tokens.push({ type: "punct", text: c, at: i });
      i++;
    } else if (c === '"' || c === "'") {
      refuse("a quoted field name");
    } else {
      refuse(`\`${c}\``);
    }
  }
  return tokens;
}

/** Parses a `selection` (or `http.body`) string; `allowed` lists the variables this connector may read. */
export function parseSelection(source: string, site: DirectiveSite, allowed: readonly VariableName[]): Selection {
  const tokens = tokenize(source, site);
  let pos = 0;
  const peek = (offset = 0) => tokens[pos + offset];
  const fail = (problem: string): never => {
    throw loadError(site, problem);
  };
  const expect = (text: string) => {
    const t = tokens[pos];
    if (t?.text !== text) fail(`expected \`${text}\`${t ? ` at offset ${t.at}, found \`${t.text}\`` : " at the end"}`);
    pos++;
  };

  const parsePath = (): PathExpr => {
    const first = tokens[pos++]!;
    let root: PathExpr["root"] = "$";
    const keys: string[] = [];
    if (first.type === "var") {
      const name = first.text as PathExpr["root"];
      if (name !== "$" && !allowed.includes(name)) fail(`\`${name}\` is not available here (this connector may use ${allowed.length ? allowed.join(", ") : "no variables"})`);
      root = name;
    } else {
      keys.push(first.text);
    }
    while (peek()?.text === ".") {
      pos++;
      const key = tokens[pos++];
      if (key?.type !== "name") fail(`expected a field name after \`.\`${key ? ` at offset ${key.at}` : ""}`);
      keys.push(key!.text);
    }
    if (root !== "$" && root !== "$batch" && keys.length === 0) fail(`\`${root}\` must be followed by a field (\`${root}.name\`)`);
    return { root, keys };
  };
  const parseSub = (): Selection | undefined => {
    if (peek()?.text !== "{") return undefined;
    pos++;
    const sub = parseNamedList("}");
    expect("}");
    return sub;
  };
  const parseNamedList = (end: string | undefined): Selection => {
    const items: Named[] = [];
    while (pos < tokens.length && peek()!.text !== end) {
      const t = peek()!;
      if (t.type === "var") fail(`a path starting with \`${t.text}\` needs an alias here (\`name: ${t.text}…\`), offset ${t.at}`);
      if (t.type !== "name") fail(`unexpected \`${t.text}\` at offset ${t.at}`);
      if (peek(1)?.text === ":") {
        pos += 2;
        const value = peek();
        if (!value) fail(`\`${t.text}:\` needs a value`);
        if (value!.text === "{") {
          items.push({ kind: "object", output: t.text, sub: parseSub()! });
        } else if (value!.type === "name" || value!.type === "var") {
          const path = parsePath();
          items.push({ kind: "path", output: t.text, path, sub: parseSub() });
        } else {
          fail(`unexpected \`${value!.text}\` after \`${t.text}:\` at offset ${value!.at}`);
        }
      } else {
        const path = parsePath();
        if (path.keys.length > 1) fail(`the path \`${path.keys.join(".")}\` needs an alias (\`name: ${path.keys.join(".")}\`)`);
        items.push({ kind: "path", output: t.text, path, sub: parseSub() });
      }
    }
    return { kind: "named", items };
  };

  if (tokens.length === 0) fail("the selection is empty");
  // A whole selection that is one path (`$.data { … }`, `error.message`) evaluates to its value.
  let selection: Selection | undefined;
  if (peek()!.type === "var" || (peek()!.type === "name" && peek(1)?.text === ".")) {
    const path = parsePath();
    const sub = parseSub();
    if (pos === tokens.length || path.root !== "$" || tokens[0]!.type === "var") selection = { kind: "path", path, sub };
    else pos = 0; // `a.b c`: a list of fields after all, where the path needs an alias (said below)
  }
  selection ??= parseNamedList(undefined);
  if (pos < tokens.length) fail(`unexpected \`${tokens[pos]!.text}\` at offset ${tokens[pos]!.at}`);
  return selection;
}

/** The variables a selection reads (a batch connector must read `$batch`; checks at load). */
export function variablesOf(selection: Selection): Set<PathExpr["root"]> {
  const out = new Set<PathExpr["root"]>();
  const visit = (s: Selection | undefined) => {
    if (!s) return;
    if (s.kind === "path") {
      out.add(s.path.root);
      visit(s.sub);
      return;
    }
    for (const item of s.items) {
      if (item.kind === "path") out.add(item.path.root);
      visit(item.sub);
    }
  };
  visit(selection);
  return out;
}
