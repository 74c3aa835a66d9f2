import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { RemoteKeySource } from "../../../gateway/src/auth/jwks.ts";
import { TokenVerifier } from "../../../gateway/src/auth/verifier.ts";
import { createLogger } from "../../../gateway/src/logging/logger.ts";
import { createTestKey, jwksOf, signToken, TEST_AUDIENCE, TEST_ISSUER, type TestKey } from "../../helpers/tokens.ts";

/** A JWKS endpoint whose answer the test controls: keys, an error status, or no answer at all. */
class JwksServer {
  mode: "ok" | "error" | "hang" = "ok";
  keys: TestKey[] = [];
  hits = 0;
  private readonly server: Server;
  url = "";

  constructor() {
    this.server = createServer((_req, res) => {
      this.hits++;
      if (this.mode === "hang") return; // never answers; the client's deadline must end it
      if (this.mode === "error") {
        res.writeHead(500).end("down");
        return;
      }
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(jwksOf(...this.keys)));
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/.well-known/jwks.json`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

describe("remote JWKS key source", () => {
  const server = new JwksServer();
  const logger = createLogger({ level: "silent" });
  let k1: TestKey;
  let k2: TestKey;

  before(async () => {
    await server.start();
    k1 = await createTestKey("k1");
    k2 = await createTestKey("k2");
  });
  after(() => server.stop());

  const setup = (options: Partial<{ timeoutMs: number; cooldownMs: number; maxAgeMs: number }> = {}) => {
    const keys = new RemoteKeySource({ url: server.url, timeoutMs: 500, cooldownMs: 100, maxAgeMs: 60_000, logger, ...options });
    const verifier = new TokenVerifier({
      keys,
      issuer: TEST_ISSUER,
      audience: TEST_AUDIENCE,
      algorithms: ["ES256"],
      clockToleranceSec: 5,
      requireExp: true,
      cache: { maxEntries: 0, ttlMs: 1 }, // every call verifies the signature
    });
    return { keys, verifier };
  };

  const reset = (mode: JwksServer["mode"], keys: TestKey[]) => {
    server.mode = mode;
    server.keys = keys;
    server.hits = 0;
  };

  it("a token signed by a published key verifies", async () => {
    reset("ok", [k1]);
    const { verifier } = setup();
    assert.equal((await verifier.verify(await signToken(k1))).kind, "valid");
    assert.equal(server.hits, 1);
  });

  it("cached keys keep verifying while the endpoint is down, even once the set is stale", async () => {
    reset("ok", [k1]);
    const { verifier, keys } = setup({ maxAgeMs: 1 });
    await keys.refresh();
    server.mode = "error";
    await new Promise((r) => setTimeout(r, 5));
    for (let i = 0; i < 3; i++) assert.equal((await verifier.verify(await signToken(k1))).kind, "valid");
  });

  it("with no key ever fetched and the endpoint down, verification is unavailable rather than invalid", async () => {
    reset("error", [k1]);
    const { verifier } = setup();
    const result = await verifier.verify(await signToken(k1));
    assert.equal(result.kind, "unavailable");
  });

  it("a hanging endpoint is cut off by the fetch deadline", async () => {
    reset("hang", [k1]);
    const { verifier } = setup({ timeoutMs: 150 });
    const started = Date.now();
    const result = await verifier.verify(await signToken(k1));
    assert.equal(result.kind, "unavailable");
    assert.ok(Date.now() - started < 1_000, "verification must not wait past the deadline");
  });

  it("a rotated key is picked up by refetching on its unknown kid, even inside the cooldown", async () => {
    reset("ok", [k1]);
    const { verifier, keys } = setup({ cooldownMs: 200 });
    await keys.refresh();
    server.keys = [k2, k1];
    const result = await verifier.verify(await signToken(k2));
    assert.equal(result.kind, "valid");
    assert.equal(server.hits, 2);
  });

  it("unknown kids refetch at most once per cooldown", async () => {
    reset("ok", [k1]);
    const { verifier, keys } = setup({ cooldownMs: 150 });
    await keys.refresh();
    const stranger = await createTestKey("nobody");
    const results = await Promise.all(Array.from({ length: 5 }, async () => verifier.verify(await signToken(stranger))));
    assert.deepEqual(new Set(results.map((r) => r.kind)), new Set(["invalid"]));
    assert.equal(server.hits, 2, "one fetch at start, one refetch for the whole burst");
  });

  it("an unknown kid while the endpoint is down is unavailable, not invalid", async () => {
    reset("ok", [k1]);
    const { verifier, keys } = setup({ cooldownMs: 10 });
    await keys.refresh();
    server.mode = "error";
    assert.equal((await verifier.verify(await signToken(k2))).kind, "unavailable");
    assert.equal((await verifier.verify(await signToken(k1))).kind, "valid");
  });
});
