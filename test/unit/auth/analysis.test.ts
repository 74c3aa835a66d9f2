import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse, print } from "graphql";
import { filterOperation, scanOperation } from "../../../gateway/src/auth/analysis.ts";
import { clauseDecider } from "../../../gateway/src/auth/decisions.ts";
import { unauthorizedErrors } from "../../../gateway/src/auth/patch.ts";
import { anonymous, type Principal } from "../../../gateway/src/server/context.ts";
import { analysisInput } from "../../fixtures/auth-schema.ts";

function user(scopes: string[] = [], roles: string[] = []): Principal {
  return { kind: "user", subject: "u1", scopes: new Set(scopes), roles: new Set(roles), claims: {}, token: "t", expiresAt: 2e9 };
}

interface Case {
  name: string;
  query: string;
  principal?: Principal;
  policies?: Record<string, boolean>;
  variables?: Record<string, unknown>;
  /** The filtered operation; omitted when the operation must run unchanged. */
  filtered?: string;
  /** Paths of the errors reported for these variables. */
  errors?: string[][];
  executable?: boolean;
}

const cases: Case[] = [
  { name: "a public operation runs unchanged", query: "{ public posts { __typename } }" },
  { name: "an @authenticated field is removed for an anonymous caller", query: "{ public me { id } }", filtered: "{ public }", errors: [["me"]] },
  { name: "an @authenticated field stays for a verified caller", query: "{ public me { id } }", principal: user() },
  { name: "the error path uses the alias", query: "{ public who: me { id } }", filtered: "{ public }", errors: [["who"]] },
  {
    name: "a field inside a named fragment is removed and the fragment is inlined",
    query: "{ user(id: 1) { ...F } } fragment F on User { id email }",
    filtered: "{ user(id: 1) { ... on User { id } } }",
    errors: [["user", "email"]],
  },
  {
    name: "a scope set is satisfied only by holding every scope in it",
    query: "{ user(id: 1) { id email } }",
    principal: user(["email:read"]),
    filtered: "{ user(id: 1) { id } }",
    errors: [["user", "email"]],
  },
  { name: "any one of the scope sets is enough", query: "{ user(id: 1) { id email } }", principal: user(["admin"]) },
  { name: "both scopes of an AND-set are enough", query: "{ user(id: 1) { id email } }", principal: user(["email:read", "profile:read"]) },
  {
    name: "a type-level policy applies to every field returning the type",
    query: "{ user(id: 1) { id card { last4 } } }",
    principal: user(),
    policies: { billing: false },
    filtered: "{ user(id: 1) { id } }",
    errors: [["user", "card"]],
  },
  { name: "a passing policy keeps the field", query: "{ user(id: 1) { id card { last4 } } }", principal: user(), policies: { billing: true } },
  {
    name: "a type-level directive on an enum applies to fields returning it",
    query: "{ public level }",
    filtered: "{ public }",
    errors: [["level"]],
  },
  {
    name: "a parent left with an empty selection set is removed too, with the error at the child",
    query: "{ public user(id: 1) { card { last4 } } }",
    principal: user(),
    policies: { billing: false },
    filtered: "{ public }",
    errors: [["user", "card"]],
  },
  {
    name: "a field skipped at run time is removed without an error",
    query: "query ($show: Boolean!) { public me @include(if: $show) { id } }",
    variables: { show: false },
    filtered: "query ($show: Boolean!) { public }",
    errors: [],
  },
  {
    name: "a field included at run time is removed with an error",
    query: "query ($show: Boolean!) { public me @include(if: $show) { id } }",
    variables: { show: true },
    filtered: "query ($show: Boolean!) { public }",
    errors: [["me"]],
  },
  {
    name: "@skip with a literal true hides the error",
    query: "{ public me @skip(if: true) { id } }",
    filtered: "{ public }",
    errors: [],
  },
  {
    name: "a parent whose removed children are conditional keeps a __typename placeholder",
    query: "query ($c: Boolean!) { user(id: 1) { card @include(if: $c) { last4 } } }",
    principal: user(),
    variables: { c: true },
    filtered: "query ($c: Boolean!) { user(id: 1) { _authzTypename: __typename } }",
    errors: [["user", "card"]],
  },
  {
    name: "fields selected on an interface need every implementation's type-level requirements",
    query: "{ public posts { id } }",
    filtered: "{ public }",
    errors: [["posts"]],
  },
  {
    name: "an inline fragment on a protected implementation is removed and the others stay",
    query: "{ posts { ... on PublicPost { id } ... on PrivatePost { id body } } }",
    filtered: "{ posts { ... on PublicPost { id } } }",
    errors: [["posts", "@", "... on PrivatePost"]],
  },
  {
    name: "a fragment on the interface cannot read what the protected implementation hides",
    query: "{ public posts { ... on Post { id } } }",
    filtered: "{ public }",
    errors: [["posts", "@", "id"]],
  },
  {
    name: "a fragment on the interface nested in a public implementation's fragment is allowed",
    query: "{ posts { ... on PublicPost { ... on Post { id } } } }",
  },
  {
    name: "a removed field inside a union member's fragment asks for the runtime type",
    query: "{ search { ... on User { name email } ... on PublicPost { title } } }",
    filtered: "{ search { ... on User { name } ... on PublicPost { title } _authzTypename: __typename } }",
    errors: [["search", "@", "email"]],
  },
  {
    name: "a named fragment on a protected union member is removed",
    query: "{ search { ...P ... on PublicPost { id } } } fragment P on PrivatePost { body }",
    filtered: "{ search { ... on PublicPost { id } } }",
    errors: [["search", "@", "... on PrivatePost"]],
  },
  {
    name: "removing every root field leaves nothing to execute",
    query: "{ me { id } secretNumber }",
    filtered: "",
    errors: [["me"], ["secretNumber"]],
    executable: false,
  },
  { name: "a mutation field is removed before it can run", query: "mutation { doThing publicThing }", filtered: "mutation { publicThing }", errors: [["doThing"]] },
  {
    name: "a policy on a root field is evaluated by name",
    query: "{ public adminNote }",
    principal: user(),
    policies: { admin: false },
    filtered: "{ public }",
    errors: [["adminNote"]],
  },
  {
    name: "nested lists report the list positions with @",
    query: "{ users { posts { ... on PrivatePost { body } ... on PublicPost { title } } } }",
    filtered: "{ users { posts { ... on PublicPost { title } } } }",
    errors: [["users", "@", "posts", "@", "... on PrivatePost"]],
  },
];

const normalize = (query: string) => print(parse(query)).replace(/\s+/g, " ");

describe("authorization analysis", () => {
  for (const c of cases) {
    it(c.name, () => {
      const input = analysisInput(c.query);
      const policies = new Map(Object.entries(c.policies ?? {}));
      const result = filterOperation(input, clauseDecider(c.principal ?? anonymous, policies));
      if (c.filtered === undefined) {
        assert.equal(result.unchanged, true, `expected no change, got ${print(result.document)}`);
        return;
      }
      assert.equal(result.unchanged, false);
      if (result.executable) assert.equal(print(result.document).replace(/\s+/g, " "), normalize(c.filtered));
      assert.deepEqual(
        unauthorizedErrors(result.removed, c.variables ?? {}).map((e) => e.path),
        c.errors ?? [],
      );
      assert.equal(result.executable, c.executable ?? true);
    });
  }

  it("the filtered document gets its own query hash, one per filtered shape", () => {
    const input = analysisInput("{ user(id: 1) { id email card { last4 } } }");
    const noCard = filterOperation(input, clauseDecider(user(["admin"]), new Map([["billing", false]])));
    const noEmail = filterOperation(input, clauseDecider(user([]), new Map([["billing", true]])));
    const again = filterOperation(input, clauseDecider(user(["admin"]), new Map([["billing", false]])));
    assert.match(noCard.queryHash, /^[0-9a-f]{64}$/);
    assert.notEqual(noCard.queryHash, noEmail.queryHash);
    assert.equal(noCard.queryHash, again.queryHash);
  });

  it("a scan lists the scopes and policies an operation refers to", () => {
    const scan = scanOperation(analysisInput("{ public user(id: 1) { email card { last4 } } adminNote }"));
    assert.deepEqual(scan, { protected: true, scopes: ["admin", "email:read", "profile:read"], policies: ["admin", "billing"] });
  });

  it("a scan of a public operation reports it unprotected", () => {
    assert.equal(scanOperation(analysisInput("{ public user(id: 1) { id name } }")).protected, false);
  });
});
