import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { clientAddressResolver, parseAddressRange } from "../../../gateway/src/server/client-address.ts";

const req = (peer: string, xff?: string | string[]) => ({ socket: { remoteAddress: peer }, headers: xff === undefined ? {} : { "x-forwarded-for": xff } }) as unknown as IncomingMessage;

describe("the client's address", () => {
  it("is the socket's peer when no proxy is trusted, whatever X-Forwarded-For claims", () => {
    assert.equal(clientAddressResolver([])(req("203.0.113.9", "198.51.100.1")), "203.0.113.9");
  });

  const behind = clientAddressResolver(["10.0.0.0/8", "127.0.0.1", "fd00::/8"]);
  const cases: Array<[string, string, string | string[] | undefined, string]> = [
    ["the peer, when the peer is not a trusted proxy", "198.51.100.7", "1.2.3.4", "198.51.100.7"],
    ["the forwarded address, from a trusted proxy", "10.1.2.3", "203.0.113.5", "203.0.113.5"],
    ["the first untrusted hop from the right, so a client's own claim on the left is ignored", "10.1.2.3", "6.6.6.6, 203.0.113.5, 10.9.9.9", "203.0.113.5"],
    ["the leftmost hop when every hop is trusted", "127.0.0.1", "10.0.0.2, 10.0.0.1", "10.0.0.2"],
    ["the last good hop when a hop is not an address", "10.1.2.3", "203.0.113.5, unknown", "10.1.2.3"],
    ["the peer when a trusted proxy sent no header", "10.1.2.3", undefined, "10.1.2.3"],
    ["read across repeated headers, last one rightmost", "10.1.2.3", ["6.6.6.6", "203.0.113.8"], "203.0.113.8"],
    ["an IPv6 client behind an IPv6 proxy", "fd00::1", "2001:db8::5", "2001:db8::5"],
    ["the forwarded address from an IPv4-mapped trusted peer", "::ffff:127.0.0.1", "203.0.113.6", "203.0.113.6"],
  ];
  for (const [what, peer, xff, expected] of cases) {
    it(`behind trusted proxies is ${what}`, () => assert.equal(behind(req(peer, xff)), expected));
  }
});

describe("a trusted-proxy entry", () => {
  it("is an IPv4 or IPv6 address, or a CIDR block with a prefix its family allows", () => {
    for (const ok of ["10.0.0.1", "10.0.0.0/8", "::1", "fd00::/8", "0.0.0.0/0"]) assert.ok(parseAddressRange(ok), ok);
    for (const bad of ["10.0.0.0/33", "fd00::/129", "10.0.0/8", "example.com", "10.0.0.0/8/1", "10.0.0.0/x", ""]) assert.equal(parseAddressRange(bad), undefined, bad);
  });
});
