/**
 * The access requirements of a supergraph, read from its ORIGINAL SDL (the API schema
 * `@apollo/gateway` builds keeps none of these directives): `@authenticated`,
 * `@requiresScopes(scopes: [[...]])` and `@policy(policies: [[...]])` on types and fields,
 * under whatever names the supergraph's `@link`s give them. Rebuilt on every supergraph load,
 * so recomposing a changed subgraph SDL changes enforcement.
 */
import type { DocumentNode } from "graphql";
import { readDirectiveApplications, type DirectiveApplication } from "../supergraph/directive-reader.ts";

/** One directive application; a selection is authorized when every clause on it holds. */
export type Clause =
  | { readonly kind: "authenticated" }
  /** Holds when the caller has every scope of at least one inner set. */
  | { readonly kind: "scopes"; readonly anyOf: readonly (readonly string[])[] }
  /** Holds when every policy of at least one inner set allows. */
  | { readonly kind: "policy"; readonly anyOf: readonly (readonly string[])[] };

export interface AuthRequirements {
  /** Type-level clauses by type name: they apply to every field returning the type. */
  readonly types: ReadonlyMap<string, readonly Clause[]>;
  /** Field-level clauses by `Type.field`. */
  readonly fields: ReadonlyMap<string, readonly Clause[]>;
  /** True when the supergraph declares no requirement at all. */
  readonly isEmpty: boolean;
}

const directives = ["authenticated", "requiresScopes", "policy"] as const;
const features = [
  { url: "https://specs.apollo.dev/authenticated", directives: ["authenticated"] },
  { url: "https://specs.apollo.dev/requiresScopes", directives: ["requiresScopes"] },
  { url: "https://specs.apollo.dev/policy", directives: ["policy"] },
  // A schema that imports them through the federation spec (a subgraph-style SDL) works too.
  { url: "https://specs.apollo.dev/federation", directives },
];

export function readAuthRequirements(supergraph: string | DocumentNode): AuthRequirements {
  const index = readDirectiveApplications(supergraph, features);
  const types = new Map<string, Clause[]>();
  const fields = new Map<string, Clause[]>();
  for (const coordinate of index.coordinates()) {
    // Argument and input-field coordinates carry no access requirements.
    if (coordinate.includes("(")) continue;
    const clauses = index.onType(coordinate).flatMap(clauseOf);
    if (clauses.length === 0) continue;
    (coordinate.includes(".") ? fields : types).set(coordinate, clauses);
  }
  return { types, fields, isEmpty: types.size === 0 && fields.size === 0 };
}

function clauseOf(application: DirectiveApplication): Clause[] {
  switch (application.name) {
    case "authenticated":
      return [{ kind: "authenticated" }];
    case "requiresScopes":
      return [{ kind: "scopes", anyOf: nestedStrings(application.args.scopes) }];
    case "policy":
      return [{ kind: "policy", anyOf: nestedStrings(application.args.policies) }];
    default:
      return [];
  }
}

/** `[["a", "b"], ["c"]]` → OR of AND-sets; a bare string counts as a one-element set. Anything malformed denies (an empty OR never holds). */
function nestedStrings(value: unknown): string[][] {
  if (!Array.isArray(value)) return [];
  return value.map((inner) => (typeof inner === "string" ? [inner] : Array.isArray(inner) ? inner.filter((v): v is string => typeof v === "string") : []));
}
