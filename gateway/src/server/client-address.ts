/**
 * The client's address, as rate limits (anonymous consumers), consistent hashing, the access
 * log and subgraphs (`x-forwarded-for`) see it. Without `server.trustedProxies` it is the
 * socket's peer. Behind a load balancer that peer is the balancer for every client, so the
 * balancers are listed: from a listed peer, `X-Forwarded-For` is read from the right, skipping
 * listed hops, and the first address not listed is the client. A client cannot spoof it: what
 * it writes into the header sits left of the first untrusted hop and is never reached.
 */
import type { IncomingMessage } from "node:http";
import { BlockList, isIP } from "node:net";

export type ClientAddressOf = (req: IncomingMessage) => string;

/** An IP address or a CIDR block (`10.0.0.0/8`, `fd00::/8`); the config validates entries with it. */
export function parseAddressRange(entry: string): { address: string; prefix: number | undefined; family: "ipv4" | "ipv6" } | undefined {
  const [address = "", prefixText, extra] = entry.trim().split("/");
  const version = isIP(address);
  if (version === 0 || extra !== undefined) return undefined;
  const family = version === 4 ? "ipv4" : "ipv6";
  if (prefixText === undefined) return { address, prefix: undefined, family };
  const prefix = Number(prefixText);
  if (!/^\d+$/.test(prefixText) || prefix > (version === 4 ? 32 : 128)) return undefined;
  return { address, prefix, family };
}

export function clientAddressResolver(trustedProxies: readonly string[]): ClientAddressOf {
  const peerOf = (req: IncomingMessage) => req.socket.remoteAddress ?? "unknown";
  if (trustedProxies.length === 0) return peerOf;
  const trusted = new BlockList();
  for (const entry of trustedProxies) {
    const range = parseAddressRange(entry);
    if (!range) throw new Error(`not an IP address or CIDR block: ${entry}`);
    if (range.prefix === undefined) trusted.addAddress(range.address, range.family);
    else trusted.addSubnet(range.address, range.prefix, range.family);
  }
  const isTrusted = (address: string) => {
    const version = isIP(address);
    return version !== 0 && trusted.check(address, version === 4 ? "ipv4" : "ipv6");
  };
  return (req) => {
    let address = peerOf(req);
    if (!isTrusted(address)) return address;
    const header = req.headers["x-forwarded-for"];
    const hops = (Array.isArray(header) ? header.join(",") : (header ?? "")).split(",");
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i]!.trim();
      // A hop that is not an address (a proxy's "unknown", garbage) ends the chain: the last good one stands.
      if (isIP(hop) === 0) return address;
      address = hop;
      if (!isTrusted(address)) return address;
    }
    return address;
  };
}
