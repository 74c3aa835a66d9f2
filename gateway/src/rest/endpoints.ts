/**
 * REST endpoints declared on trusted operations: an entry of the persisted-operations manifest
 * may carry `endpoint: { method, path }` (`GET /api/orders/{id}`), and that operation then also
 * answers there. Declarations are checked once at start, against the document itself (each
 * `{param}` must be a variable of the operation, GET runs only queries, no two endpoints share a
 * method and path), so a typo stops the gateway with the entry's id instead of answering 404.
 */
import { readFileSync } from "node:fs";
import { Kind, parse, type DocumentNode, type OperationDefinitionNode } from "graphql";

export const endpointMethods = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
export type EndpointMethod = (typeof endpointMethods)[number];

/** One segment of a path template: a literal, or `{name}` bound to the variable of that name. */
export type Segment = { readonly kind: "literal"; readonly value: string } | { readonly kind: "param"; readonly name: string };

export interface Endpoint {
  /** The manifest entry's id (the pipeline resolves the document by it, so a safelist holds). */
  readonly id: string;
  readonly method: EndpointMethod;
  /** As declared, for messages and the OpenAPI document. */
  readonly path: string;
  readonly segments: readonly Segment[];
  readonly body: string;
  readonly document: DocumentNode;
  readonly operation: OperationDefinitionNode;
  readonly operationName: string | undefined;
  /** From the manifest entry: shown in the OpenAPI document. */
  readonly summary: string | undefined;
}

/** Reads the endpoints of an Apollo-format manifest; entries without `endpoint` are not endpoints. Throws naming the entry. */
export function loadEndpoints(manifestPath: string, basePath: string): Endpoint[] {
  const raw = JSON.parse(readFileSync(manifestPath, "utf8")) as { operations?: unknown };
  if (!Array.isArray(raw.operations)) return []; // Relay's id → document map declares no endpoints
  const endpoints: Endpoint[] = [];
  const seen = new Map<string, string>();
  for (const entry of raw.operations as Array<Record<string, unknown>>) {
    if (entry.endpoint === undefined) continue;
    const id = String(entry.id);
    const where = `persisted operations manifest ${manifestPath}, operation "${id}"`;
    const declared = entry.endpoint as { method?: unknown; path?: unknown; summary?: unknown };
    const method = typeof declared.method === "string" ? declared.method.toUpperCase() : "";
    if (!(endpointMethods as readonly string[]).includes(method)) throw new Error(`${where}: endpoint.method must be one of ${endpointMethods.join(", ")}`);
    if (typeof declared.path !== "string" || !declared.path.startsWith(`${basePath}/`)) throw new Error(`${where}: endpoint.path must be a string under ${basePath}/ (operations.rest.basePath)`);
    const document = parse(String(entry.body));
    const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    if (operations.length !== 1) throw new Error(`${where}: an endpoint's document must hold exactly one operation`);
    const operation = operations[0]!;
    if (operation.operation === "subscription") throw new Error(`${where}: subscriptions cannot be REST endpoints`);
    if (method === "GET" && operation.operation !== "query") throw new Error(`${where}: GET endpoints run only queries (GET must be safe to repeat); use POST`);
    const variables = new Set((operation.variableDefinitions ?? []).map((v) => v.variable.name.value));
    const segments = parseTemplate(declared.path, where);
    for (const s of segments) if (s.kind === "param" && !variables.has(s.name)) throw new Error(`${where}: path parameter {${s.name}} is not a variable of the operation`);
    const key = `${method} ${segments.map((s) => (s.kind === "param" ? "{}" : s.value)).join("/")}`;
    const clash = seen.get(key);
    if (clash) throw new Error(`${where}: ${method} ${declared.path} is already the endpoint of operation "${clash}"`);
    seen.set(key, id);
    endpoints.push({
      id,
      method: method as EndpointMethod,
      path: declared.path,
      segments,
      body: String(entry.body),
      document,
      operation,
      operationName: operation.name?.value,
      summary: typeof declared.summary === "string" ? declared.summary : typeof entry.name === "string" ? entry.name : undefined,
    });
  }
  return endpoints;
}

function parseTemplate(path: string, where: string): Segment[] {
  return path
    .slice(1)
    .split("/")
    .map((part) => {
      const param = /^\{(\w+)\}$/.exec(part);
      if (param) return { kind: "param", name: param[1]! } as const;
      if (part === "" || /[{}]/.test(part)) throw new Error(`${where}: endpoint.path segment "${part}" is neither a literal nor {name}`);
      return { kind: "literal", value: part } as const;
    });
}

/** The endpoint for a method and path, with its path parameters; literals win over parameters. */
export function matchEndpoint(endpoints: readonly Endpoint[], method: string, path: string): { endpoint: Endpoint; params: Record<string, string> } | { allowed: string[] } | undefined {
  const parts = path.slice(1).split("/");
  let best: { endpoint: Endpoint; params: Record<string, string>; literals: number } | undefined;
  const allowed = new Set<string>();
  for (const endpoint of endpoints) {
    if (endpoint.segments.length !== parts.length) continue;
    const params: Record<string, string> = {};
    let literals = 0;
    const matches = endpoint.segments.every((s, i) => {
      const part = parts[i]!;
      if (s.kind === "literal") return s.value === part && ++literals > 0;
      if (part === "") return false;
      try {
        params[s.name] = decodeURIComponent(part);
      } catch {
        return false;
      }
      return true;
    });
    if (!matches) continue;
    allowed.add(endpoint.method);
    if (endpoint.method === method && (!best || literals > best.literals)) best = { endpoint, params, literals };
  }
  if (best) return { endpoint: best.endpoint, params: best.params };
  return allowed.size > 0 ? { allowed: [...allowed] } : undefined;
}
