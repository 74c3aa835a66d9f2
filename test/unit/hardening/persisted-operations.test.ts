import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPersistedOperations, loadManifest } from "../../../gateway/src/hardening/persisted-operations.ts";

const body = "query Me { me { id } }";
const hash = createHash("sha256").update(body).digest("hex");
const dir = mkdtempSync(join(tmpdir(), "manifest-"));

describe("persisted operations manifest", () => {
  it("reads Apollo's persisted query manifest format", () => {
    const file = join(dir, "apollo.json");
    writeFileSync(file, JSON.stringify({ format: "apollo-persisted-query-manifest", version: 1, operations: [{ id: hash, name: "Me", type: "query", body }] }));
    assert.deepEqual([...loadManifest(file)], [[hash, body]]);
  });

  it("reads Relay's id-to-document map", () => {
    const file = join(dir, "relay.json");
    writeFileSync(file, JSON.stringify({ abc123: body }));
    assert.deepEqual([...loadManifest(file)], [["abc123", body]]);
  });

  it("names the file and the fault for a broken manifest", () => {
    const file = join(dir, "broken.json");
    writeFileSync(file, JSON.stringify({ operations: [{ id: 1 }] }));
    assert.throws(() => loadManifest(file), /broken\.json: every operation needs a string id and body/);
  });
});

describe("safelist", () => {
  const safelist = createPersistedOperations(new Map([["abc123", body]]), "safelist");
  const allow = createPersistedOperations(new Map([["abc123", body]]), "allow");

  const cases: Array<[string, Record<string, unknown>, string]> = [
    ["an id as documentId", { documentId: "abc123" }, "ok"],
    ["an id as Relay's doc_id", { doc_id: "abc123" }, "ok"],
    ["an id as the APQ hash", { extensions: { persistedQuery: { version: 1, sha256Hash: "abc123" } } }, "ok"],
    ["a listed document sent in full", { query: body }, "ok"],
    ["an unknown id", { documentId: "nope" }, "PERSISTED_QUERY_NOT_FOUND"],
    ["an unlisted document", { query: "{ __typename }" }, "OPERATION_NOT_IN_SAFELIST"],
  ];
  for (const [name, request, expected] of cases) {
    it(`answers ${name} with ${expected}`, () => {
      const outcome = safelist.apply(request);
      assert.equal(outcome.kind === "ok" ? "ok" : outcome.code, expected);
    });
  }

  it("puts the listed document in place of the id and drops the APQ extension", () => {
    const outcome = safelist.apply({ extensions: { persistedQuery: { version: 1, sha256Hash: "abc123" } }, variables: { a: 1 } });
    assert.deepEqual(outcome, { kind: "ok", body: { query: body, extensions: {}, variables: { a: 1 } } });
  });

  it("lets unlisted operations through in allow mode", () => {
    assert.equal(allow.apply({ query: "{ __typename }" }).kind, "ok");
    assert.equal(allow.apply({ documentId: "nope" }).kind, "ok");
  });
});
