import { describe, it } from "node:test";
import assert from "node:assert/strict";
import pino from "pino";
import { hashKeyOf } from "../../../gateway/src/balancing/hash-key.ts";
import type { HashKeyConfig } from "../../../gateway/src/config/balancing.ts";
import { anonymous, type Principal, type RequestContext } from "../../../gateway/src/server/context.ts";

function context(principal: Principal, headers: Record<string, string> = {}): RequestContext {
  return { requestId: "r", logger: pino({ level: "silent" }), headers, clientAddress: "10.0.0.7", signal: new AbortController().signal, startedAt: 0, principal, authorization: undefined };
}

const alice: Principal = { kind: "user", subject: "user-alice", scopes: new Set(), roles: new Set(), claims: {}, token: "t", expiresAt: 0 };

describe("the consistent-hash key", () => {
  const cases: Array<{ name: string; config: HashKeyConfig; ctx: RequestContext | undefined; key: string | undefined }> = [
    { name: "consumer is the JWT subject of a verified caller", config: "consumer", ctx: context(alice, { "x-api-key": "k1" }), key: "sub:user-alice" },
    { name: "consumer falls back to the API key header", config: "consumer", ctx: context(anonymous, { "x-api-key": "k1" }), key: "key:k1" },
    { name: "consumer falls back to the client address last", config: "consumer", ctx: context(anonymous), key: "addr:10.0.0.7" },
    { name: "a header key reads that header", config: { header: "x-tenant" }, ctx: context(alice, { "x-tenant": "acme" }), key: "hdr:acme" },
    { name: "a header key falls back to the client address when the header is absent", config: { header: "x-tenant" }, ctx: context(alice), key: "addr:10.0.0.7" },
    { name: "client-address ignores the caller's identity", config: "client-address", ctx: context(alice), key: "addr:10.0.0.7" },
    { name: "a fetch without a client request (a probe) has no key", config: "consumer", ctx: undefined, key: undefined },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(hashKeyOf(c.config, c.ctx), c.key));
  }
});
