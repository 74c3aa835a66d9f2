/**
 * A pass-through HTTP proxy in front of one subgraph that records every GraphQL request it
 * forwards (query text and headers), so a test can assert on what the subgraph received.
 */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  readonly query: string;
  readonly headers: IncomingHttpHeaders;
}

export interface RecordingProxy {
  /** The proxy's `/graphql` URL, to route the gateway to. */
  readonly url: string;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const requests: RecordedRequest[] = [];
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    try {
      const parsed = JSON.parse(body) as { query?: string };
      // Readiness probes and health checks (`{ __typename }` alone) are the gateway's own, not a client's fetch.
      const probe = /^\s*(query\s+\w*\s*)?\{\s*__typename\s*\}\s*$/.test(parsed.query ?? "");
      if (!probe) requests.push({ query: parsed.query ?? "", headers: req.headers });
    } catch {
      requests.push({ query: body, headers: req.headers });
    }
    const forwarded: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value === "string" && name !== "host" && name !== "content-length" && name !== "connection") forwarded[name] = value;
    }
    try {
      const upstream = await fetch(target, { method: req.method ?? "POST", headers: forwarded, body: req.method === "GET" ? undefined : body });
      const text = await upstream.text();
      res.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "application/json" }).end(text);
    } catch {
      res.writeHead(502).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
