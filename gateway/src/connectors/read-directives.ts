/**
 * Reads the Apollo Connectors directives that composition wrote into a supergraph as
 * `@join__directive(graphs: [G], name: "connect" | "source" | "link", args: …)` and checks each
 * against the subset this gateway runs (selection.ts, url-template.ts). Unsupported arguments
 * and constructs are refused here, at load, naming the directive and what to change.
 */
import { Kind, valueFromASTUntyped, type ConstDirectiveNode, type DocumentNode, type FieldDefinitionNode, type ObjectTypeDefinitionNode } from "graphql";
import type { ConnectorDefinition, ConnectorGraph, ErrorMapping, HeaderRule, HttpMethod, SourceDefinition } from "./definitions.ts";
import { loadError, ConnectorLoadError, type DirectiveSite } from "./load-error.ts";
import { parseSelection, variablesOf, type VariableName } from "./selection.ts";
import { parseTemplate, templateVariables } from "./url-template.ts";

export const CONNECT_SPEC = "https://specs.apollo.dev/connect/";
const METHODS: readonly HttpMethod[] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

type Args = Record<string, unknown>;
interface JoinDirective {
  graphs: string[];
  name: string;
  args: Args;
}

export const joinDirectivesOf = (directives: readonly ConstDirectiveNode[] | undefined): JoinDirective[] =>
  (directives ?? [])
    .filter((d) => d.name.value === "join__directive")
    .map((d) => {
      const arg = (name: string) => d.arguments?.find((a) => a.name.value === name)?.value;
      const graphs = arg("graphs");
      return {
        graphs: graphs?.kind === Kind.LIST ? graphs.values.flatMap((v) => (v.kind === Kind.ENUM ? [v.value] : [])) : [],
        name: String(valueFromASTUntyped(arg("name")!)),
        args: (arg("args") ? valueFromASTUntyped(arg("args")!) : {}) as Args,
      };
    });

/** Names the connect spec's directives go by in a graph: imported (`@connect`, `{ name, as }`) or namespaced. */
export function connectNames(link: Args): { source: string; connect: string } {
  const names = { source: "connect__source", connect: "connect__connect" };
  const prefix = typeof link.as === "string" ? link.as : "connect";
  names.source = `${prefix}__source`;
  names.connect = `${prefix}__connect`;
  for (const entry of (link.import as unknown[] | undefined) ?? []) {
    const [name, as] = typeof entry === "string" ? [entry, entry] : [String((entry as Args).name), String((entry as Args).as ?? (entry as Args).name)];
    if (name === "@source") names.source = as.replace(/^@/, "");
    if (name === "@connect") names.connect = as.replace(/^@/, "");
  }
  return names;
}

/** Every connector subgraph of a supergraph, parsed and checked; [] when it links no connectors. */
export function readConnectors(doc: DocumentNode): ConnectorGraph[] {
  const schemaDirectives = doc.definitions.flatMap((d) => (d.kind === Kind.SCHEMA_DEFINITION || d.kind === Kind.SCHEMA_EXTENSION ? joinDirectivesOf(d.directives) : []));
  const graphNames = new Map<string, string>();
  for (const def of doc.definitions) {
    if (def.kind !== Kind.ENUM_TYPE_DEFINITION || def.name.value !== "join__Graph") continue;
    for (const value of def.values ?? []) {
      const name = value.directives?.find((d) => d.name.value === "join__graph")?.arguments?.find((a) => a.name.value === "name")?.value;
      if (name?.kind === Kind.STRING) graphNames.set(value.name.value, name.value);
    }
  }
  const out: ConnectorGraph[] = [];
  for (const link of schemaDirectives.filter((d) => d.name === "link" && String(d.args.url).startsWith(CONNECT_SPEC))) {
    for (const graph of link.graphs) {
      const names = connectNames(link.args);
      const subgraph = graphNames.get(graph) ?? graph;
      const sources = schemaDirectives.filter((d) => d.name === names.source && d.graphs.includes(graph));
      if (sources.length !== 1) {
        throw new ConnectorLoadError(`connectors: subgraph "${subgraph}" declares ${sources.length} @source directives; this gateway runs exactly one @source per connector subgraph`);
      }
      const source = readSource(sources[0]!.args);
      out.push({ name: subgraph, graph, source, connectors: readGraphConnectors(doc, graph, names.connect, source) });
    }
  }
  return out;
}

function readSource(args: Args): SourceDefinition {
  const site = { directive: `@source "${String(args.name)}"`, argument: "http" };
  refuseUnknown(args, ["name", "http", "errors"], site, "@source");
  const http = (args.http ?? {}) as Args;
  refuseUnknown(http, ["baseURL", "headers"], { ...site, argument: "http" }, "@source(http:)");
  if (typeof http.baseURL !== "string" || !/^https?:\/\//.test(http.baseURL)) throw loadError({ ...site, argument: "http.baseURL" }, "must be an http(s) URL");
  return {
    name: String(args.name),
    baseURL: http.baseURL.replace(/\/$/, ""),
    headers: readHeaders(http.headers, { ...site, argument: "http.headers" }, ["$config"]),
    errors: readErrors(args.errors, site, ["$config"]),
  };
}

function readGraphConnectors(doc: DocumentNode, graph: string, connectName: string, source: SourceDefinition): ConnectorDefinition[] {
  const rootTypes = new Set(["Query", "Mutation"]);
  const out: ConnectorDefinition[] = [];
  for (const def of doc.definitions) {
    if (def.kind !== Kind.OBJECT_TYPE_DEFINITION && def.kind !== Kind.OBJECT_TYPE_EXTENSION) continue;
    const typeName = def.name.value;
    for (const d of joinDirectivesOf(def.directives).filter((j) => j.name === connectName && j.graphs.includes(graph))) {
      const site = { directive: `@connect on type ${typeName}`, argument: "" };
      const keyFields = keyFieldsOf(def as ObjectTypeDefinitionNode, graph, site);
      const batched = d.args.batch !== undefined || JSON.stringify(d.args).includes("$batch");
      const vars: VariableName[] = batched ? ["$batch", "$config"] : ["$this", "$config"];
      const base = readConnect(d.args, site, vars, source, ["batch"]);
      const maxSize = (d.args.batch as Args | undefined)?.maxSize;
      if (maxSize !== undefined && (typeof maxSize !== "number" || !Number.isInteger(maxSize) || maxSize < 1)) throw loadError({ ...site, argument: "batch.maxSize" }, "must be a positive integer");
      if (batched && !templateVariables(base.url).has("$batch") && !(base.body && variablesOf(base.body).has("$batch"))) {
        throw loadError({ ...site, argument: "http" }, "a batch connector must send `$batch` (in the URL or the body)");
      }
      out.push({ ...base, id: typeName, kind: "entity", typeName, keyFields, batch: batched ? { maxSize: (maxSize as number | undefined) ?? Number.MAX_SAFE_INTEGER } : undefined });
    }
    for (const field of def.fields ?? []) {
      for (const d of joinDirectivesOf(field.directives).filter((j) => j.name === connectName && j.graphs.includes(graph))) {
        const id = `${typeName}.${field.name.value}`;
        const site = { directive: `@connect on ${id}`, argument: "" };
        if (typeName === "Subscription") throw loadError(site, "connectors on Subscription fields are not supported");
        const root = rootTypes.has(typeName);
        const base = readConnect(d.args, site, root ? ["$args", "$config"] : ["$args", "$this", "$config"], source, ["entity"]);
        if (d.args.entity === true && typeName !== "Query") throw loadError({ ...site, argument: "entity" }, "entity: true is only allowed on Query fields");
        checkArgs(base, field, site);
        out.push({ ...base, id, kind: "field", typeName, fieldName: field.name.value, entity: d.args.entity === true });
      }
    }
  }
  return out;
}

function readConnect(args: Args, site: DirectiveSite, vars: VariableName[], source: SourceDefinition, extra: string[]) {
  refuseUnknown(args, ["source", "http", "selection", "id", "errors", ...extra], site, "@connect");
  if (args.source !== source.name) throw loadError({ ...site, argument: "source" }, `names "${String(args.source)}", but the subgraph's @source is "${source.name}" (connectors without a source are not supported)`);
  const http = (args.http ?? {}) as Args;
  refuseUnknown(http, [...METHODS, "body", "headers"], { ...site, argument: "http" }, "@connect(http:)");
  const methods = METHODS.filter((m) => http[m] !== undefined);
  if (methods.length !== 1) throw loadError({ ...site, argument: "http" }, `needs exactly one of ${METHODS.join(", ")}`);
  const method = methods[0]!;
  const path = String(http[method]);
  if (!path.startsWith("/")) throw loadError({ ...site, argument: `http.${method}` }, "must be a path relative to the source's baseURL, starting with /");
  if (typeof args.selection !== "string") throw loadError({ ...site, argument: "selection" }, "is required");
  return {
    method,
    url: parseTemplate(path, { ...site, argument: `http.${method}` }, vars),
    headers: readHeaders(http.headers, { ...site, argument: "http.headers" }, vars),
    body: http.body === undefined ? undefined : parseSelection(String(http.body), { ...site, argument: "http.body" }, vars),
    // The answer is mapped from the response body; variables may be echoed into it.
    selection: parseSelection(args.selection, { ...site, argument: "selection" }, vars),
    errors: readErrors(args.errors, site, vars) ?? source.errors,
  };
}

function readErrors(value: unknown, site: DirectiveSite, vars: VariableName[]): ErrorMapping | undefined {
  if (value === undefined) return undefined;
  const errors = value as Args;
  refuseUnknown(errors, ["message", "extensions"], { ...site, argument: "errors" }, "errors");
  const selection = (name: "message" | "extensions") =>
    errors[name] === undefined ? undefined : parseSelection(String(errors[name]), { ...site, argument: `errors.${name}` }, vars);
  return { message: selection("message"), extensions: selection("extensions") };
}

function readHeaders(value: unknown, site: DirectiveSite, vars: VariableName[]): HeaderRule[] {
  return ((value as Args[] | undefined) ?? []).map((h, i) => {
    const at = { ...site, argument: `${site.argument}[${i}]` };
    refuseUnknown(h, ["name", "value", "from"], at, "a header");
    if (typeof h.name !== "string" || h.name === "") throw loadError(at, "needs a name");
    if (typeof h.from === "string") return { name: h.name.toLowerCase(), from: h.from.toLowerCase() };
    if (typeof h.value !== "string") throw loadError(at, "needs a value or from");
    return { name: h.name.toLowerCase(), value: parseTemplate(h.value, at, vars) };
  });
}

/** `$args.x` must be an argument of the field: caught at load, not as an empty URL segment at run time. */
function checkArgs(base: ReturnType<typeof readConnect>, field: FieldDefinitionNode, site: DirectiveSite): void {
  const names = new Set(field.arguments?.map((a) => a.name.value));
  const used = [...base.url.parts, ...base.headers.flatMap((h) => ("value" in h ? h.value.parts : []))].flatMap((p) => ("path" in p && p.path.root === "$args" ? [p.path.keys[0]!] : []));
  for (const name of used) if (!names.has(name)) throw loadError({ ...site, argument: "http" }, `$args.${name} is not an argument of ${field.name.value}`);
}

function keyFieldsOf(def: ObjectTypeDefinitionNode, graph: string, site: DirectiveSite): string[] {
  const joinType = def.directives?.find(
    (d) => d.name.value === "join__type" && d.arguments?.some((a) => a.name.value === "graph" && a.value.kind === Kind.ENUM && a.value.value === graph),
  );
  const key = joinType?.arguments?.find((a) => a.name.value === "key")?.value;
  if (key?.kind !== Kind.STRING) throw loadError({ ...site, argument: "" }, "a type-level connector needs an @key on the type");
  if (key.value.includes("{")) throw loadError({ ...site, argument: "" }, `the nested key "${key.value}" is not supported (keys of scalar fields only)`);
  return key.value.split(/[\s,]+/).filter(Boolean);
}

function refuseUnknown(args: Args, known: readonly string[], site: DirectiveSite, what: string): void {
  for (const name of Object.keys(args)) {
    if (!known.includes(name)) throw loadError({ ...site, argument: name }, `the ${what} argument \`${name}\` is not supported by this gateway (supported: ${known.join(", ")})`);
  }
}
