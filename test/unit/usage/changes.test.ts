/**
 * Schema changes: graphql-js's classification, each change's coordinate, and which touched
 * coordinates make an operation affected by it (a table of before/after schemas).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { buildSchema, parse } from "graphql";
import { affects, diffSchemas } from "../../../gateway/src/usage/changes.ts";
import { coordinatesOf } from "../../../gateway/src/usage/coordinates.ts";

const base = `
  type Query { user(id: ID!): User users(first: Int = 10, role: Role): [User!]! search: [Result!]! }
  type User implements Node { id: ID! name: String! email: String role: Role }
  type Bot { id: ID! }
  interface Node { id: ID! }
  union Result = User | Bot
  enum Role { ADMIN CUSTOMER COURIER }
  input Filter { role: Role name: String }
  type Mutation { find(filter: Filter): [User!]! }
`;
const schema = (sdl: string) => buildSchema(sdl);
const touched = (sdl: string, op: string) => new Set(coordinatesOf(schema(sdl), parse(op)).coordinates);

describe("schema changes and the operations they affect", () => {
  const cases: Array<{ rule: string; from: string; to: string; severity: string; coordinate: string; affected: string; unaffected: string }> = [
    { rule: "a removed field affects operations selecting it", from: "email: String", to: "", severity: "breaking", coordinate: "User.email", affected: "{ user(id: 1) { email } }", unaffected: "{ user(id: 1) { name } }" },
    { rule: "a changed field type affects operations selecting it", from: "name: String!", to: "name: Int!", severity: "breaking", coordinate: "User.name", affected: "{ user(id: 1) { name } }", unaffected: "{ user(id: 1) { id } }" },
    { rule: "a removed argument affects operations passing it", from: "role: Role)", to: ")", severity: "breaking", coordinate: "Query.users(role:)", affected: "{ users(role: ADMIN) { id } }", unaffected: "{ users { id } }" },
    { rule: "an added required argument affects every operation on the field", from: "user(id: ID!)", to: "user(id: ID!, tenant: ID!)", severity: "breaking", coordinate: "Query.user(tenant:)", affected: "{ user(id: 1) { id } }", unaffected: "{ users { id } }" },
    { rule: "a removed enum value affects operations sending it as a literal", from: "ADMIN CUSTOMER COURIER", to: "ADMIN CUSTOMER", severity: "breaking", coordinate: "Role.COURIER", affected: "{ users(role: COURIER) { id } }", unaffected: "{ users(role: ADMIN) { id } }" },
    { rule: "an added required input field affects operations using the input type", from: "input Filter { role: Role", to: "input Filter { tenant: ID! role: Role", severity: "breaking", coordinate: "Filter.tenant", affected: "mutation($f: Filter) { find(filter: $f) { id } }", unaffected: "{ users { id } }" },
    { rule: "a type removed from a union affects operations spreading it there", from: "union Result = User | Bot", to: "union Result = User", severity: "breaking", coordinate: "Result", affected: "{ search { ... on Bot { id } } }", unaffected: "{ search { ... on User { id } } }" },
    { rule: "a changed argument default is dangerous for operations on the field", from: "first: Int = 10", to: "first: Int = 50", severity: "dangerous", coordinate: "Query.users(first:)", affected: "{ users { id } }", unaffected: "{ user(id: 1) { id } }" },
    { rule: "an added enum value is dangerous for operations reading the enum", from: "ADMIN CUSTOMER COURIER", to: "ADMIN CUSTOMER COURIER GUEST", severity: "dangerous", coordinate: "Role.GUEST", affected: "{ user(id: 1) { role } }", unaffected: "{ user(id: 1) { name } }" },
  ];
  for (const c of cases) {
    it(c.rule, () => {
      const after = base.replace(c.from, c.to);
      assert.notEqual(after, base, "the edit applies");
      const changes = diffSchemas(schema(base), schema(after)).filter((x) => x.severity !== "safe");
      assert.equal(changes.length, 1, JSON.stringify(changes));
      const change = changes[0]!;
      assert.equal(change.severity, c.severity);
      assert.equal(change.coordinate, c.coordinate);
      assert.equal(affects(change, touched(base, c.affected)), true, "affected");
      assert.equal(affects(change, touched(base, c.unaffected)), false, "unaffected");
    });
  }

  it("lists added types and fields as safe", () => {
    const changes = diffSchemas(schema(base), schema(`${base.replace("email: String", "email: String phone: String")} type Extra { a: Int }`));
    assert.deepEqual(changes.map((c) => `${c.severity} ${c.coordinate}`).sort(), ["safe Extra", "safe User.phone"]);
  });
});
