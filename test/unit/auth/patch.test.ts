import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { filterOperation } from "../../../gateway/src/auth/analysis.ts";
import { clauseDecider } from "../../../gateway/src/auth/decisions.ts";
import { applyPatch } from "../../../gateway/src/auth/patch.ts";
import { anonymous } from "../../../gateway/src/server/context.ts";
import { analysisInput } from "../../fixtures/auth-schema.ts";

interface Case {
  name: string;
  query: string;
  variables?: Record<string, unknown>;
  /** What the subgraphs answered for the filtered document. */
  data: Record<string, unknown> | null;
  expected: Record<string, unknown> | null;
}

const cases: Case[] = [
  { name: "a removed nullable field comes back as null", query: "{ public me { id } }", data: { public: "p" }, expected: { public: "p", me: null } },
  {
    name: "a removed non-null root field nulls the whole data",
    query: "{ public secretNumber }",
    data: { public: "p" },
    expected: null,
  },
  {
    name: "a removed nested field is null in every list item",
    query: "{ users { id email } }",
    data: { users: [{ id: "1" }, { id: "2" }] },
    expected: { users: [{ id: "1", email: null }, { id: "2", email: null }] },
  },
  {
    name: "a removed non-null field inside a non-null list item nulls up to the nearest nullable field",
    query: "{ public search { ... on PublicPost { title } ... on Post { id } } }",
    data: { public: "p", search: [{ _authzTypename: "PublicPost", title: "T" }] },
    expected: null,
  },
  {
    name: "a field removed inside a union member's fragment is null only on objects of that type",
    query: "{ search { ... on User { name email } ... on PublicPost { title } } }",
    data: { search: [{ _authzTypename: "User", name: "Ann" }, { _authzTypename: "PublicPost", title: "T" }] },
    expected: { search: [{ name: "Ann", email: null }, { title: "T" }] },
  },
  {
    name: "a removed fragment leaves its objects without its fields and adds no null",
    query: "{ posts { ... on PublicPost { id } ... on PrivatePost { id body } } }",
    data: { posts: [{ id: "1" }, {}] },
    expected: { posts: [{ id: "1" }, {}] },
  },
  {
    name: "a skipped removed field gets no null",
    query: "query ($s: Boolean!) { public me @include(if: $s) { id } }",
    variables: { s: false },
    data: { public: "p" },
    expected: { public: "p" },
  },
  {
    name: "objects of types the removed field does not apply to keep their shape",
    query: "{ public search { ... on PublicPost { title } ... on Post { id } } }",
    data: { public: "p", search: [{ _authzTypename: "User" }] },
    expected: { public: "p", search: [{}] },
  },
  {
    name: "a null parent is left alone",
    query: "{ user(id: 1) { id email } }",
    data: { user: null },
    expected: { user: null },
  },
  {
    name: "the __typename placeholder is stripped",
    query: "query ($c: Boolean!) { user(id: 1) { card @include(if: $c) { last4 } } }",
    variables: { c: true },
    data: { user: { _authzTypename: "User" } },
    expected: { user: { card: null } },
  },
];

describe("response patch", () => {
  for (const c of cases) {
    it(c.name, () => {
      const filter = filterOperation(analysisInput(c.query), clauseDecider(anonymous, new Map()));
      assert.equal(filter.unchanged, false);
      assert.deepEqual(applyPatch(structuredClone(c.data), filter.patch, c.variables ?? {}), c.expected);
    });
  }

  it("a response without data stays without data", () => {
    const filter = filterOperation(analysisInput("{ public me { id } }"), clauseDecider(anonymous, new Map()));
    assert.equal(applyPatch(undefined, filter.patch, {}), undefined);
    assert.equal(applyPatch(null, filter.patch, {}), null);
  });
});
