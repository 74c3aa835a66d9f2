import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { readAuthRequirements, type Clause } from "../../../gateway/src/auth/requirements.ts";
import { authTestSdl } from "../../fixtures/auth-schema.ts";

const supergraph = readFileSync(new URL("../../../schema/supergraph.graphql", import.meta.url), "utf8");

const link = (extra: string) => `
  schema
    @link(url: "https://specs.apollo.dev/link/v1.0")
    ${extra}
  { query: Query }
`;

interface Case {
  name: string;
  sdl: string;
  fields?: Record<string, Clause[]>;
  types?: Record<string, Clause[]>;
}

const cases: Case[] = [
  {
    name: "the composed supergraph's directives are read under their default names",
    sdl: supergraph,
    fields: {
      "Query.orders": [{ kind: "authenticated" }],
      "Order.payment": [{ kind: "scopes", anyOf: [["payments:read"]] }],
      "Query.order": [{ kind: "policy", anyOf: [["order_owner_or_admin"]] }],
      "Mutation.updateDeliveryStatus": [{ kind: "policy", anyOf: [["courier"]] }],
    },
  },
  {
    name: "a directive renamed with `as:` or an import rename is read under its local name",
    sdl: authTestSdl,
    fields: {
      "Query.secretNumber": [{ kind: "scopes", anyOf: [["secret:read"]] }],
      "Query.adminNote": [{ kind: "policy", anyOf: [["admin"]] }],
      "User.email": [{ kind: "scopes", anyOf: [["email:read", "profile:read"], ["admin"]] }],
    },
    types: { Card: [{ kind: "policy", anyOf: [["billing"]] }], PrivatePost: [{ kind: "authenticated" }], Level: [{ kind: "authenticated" }] },
  },
  {
    name: "a directive under a name its @link does not give it is ignored",
    sdl: `${link('@link(url: "https://specs.apollo.dev/authenticated/v0.1", as: "auth")')} type Query { a: Int @authenticated b: Int @auth }`,
    fields: { "Query.b": [{ kind: "authenticated" }] },
  },
  {
    name: "a schema that does not link the specs has no requirements",
    sdl: "directive @authenticated on FIELD_DEFINITION type Query { a: Int @authenticated }",
  },
  {
    name: "directives imported through the federation spec are read",
    sdl: `${link('@link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@authenticated", { name: "@requiresScopes", as: "@scopes" }])')}
      type Query { a: Int @authenticated b: Int @scopes(scopes: [["x"]]) c: Int @federation__policy(policies: [["p"]]) }`,
    fields: {
      "Query.a": [{ kind: "authenticated" }],
      "Query.b": [{ kind: "scopes", anyOf: [["x"]] }],
      "Query.c": [{ kind: "policy", anyOf: [["p"]] }],
    },
  },
  {
    name: "several directives on one field all apply",
    sdl: `${link('@link(url: "https://specs.apollo.dev/authenticated/v0.1") @link(url: "https://specs.apollo.dev/requiresScopes/v0.1")')}
      type Query { a: Int @authenticated @requiresScopes(scopes: [["x", "y"]]) }`,
    fields: { "Query.a": [{ kind: "authenticated" }, { kind: "scopes", anyOf: [["x", "y"]] }] },
  },
];

describe("reading authorization requirements from the supergraph", () => {
  for (const c of cases) {
    it(c.name, () => {
      const requirements = readAuthRequirements(c.sdl);
      for (const [coordinate, clauses] of Object.entries(c.fields ?? {})) assert.deepEqual(requirements.fields.get(coordinate), clauses, coordinate);
      for (const [type, clauses] of Object.entries(c.types ?? {})) assert.deepEqual(requirements.types.get(type), clauses, type);
      if (!c.fields && !c.types) assert.equal(requirements.isEmpty, true);
      if (c.fields && !c.types && c.sdl !== supergraph) assert.equal(requirements.fields.size, Object.keys(c.fields).length);
    });
  }
});
