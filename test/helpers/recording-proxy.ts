/**
 * A pass-through HTTP proxy in front of one subgraph that records every GraphQL request it
 * forwards (query text and headers), so a test can assert on what the subgraph received.
 */
import type { IncomingHttpHeaders } from "node:http";
import { forward, isProbe, queryOf, readBody, startProxyServer } from "./proxy-server.ts";

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

export async function startRecordingProxy(targetUrl: string): Promise<RecordingProxy> {
  const target = new URL(targetUrl);
  const requests: RecordedRequest[] = [];
  const proxy = await startProxyServer(async (req, res) => {
    const body = await readBody(req);
    const text = body.toString("utf8");
    const query = queryOf(text);
    // Readiness probes and health checks are the gateway's own, not a client's fetch.
    if (!isProbe(query)) requests.push({ query: query ?? text, headers: req.headers });
    forward(target, req, res, body);
  });
  return {
    url: `http://127.0.0.1:${proxy.port}/graphql`,
    requests,
    close: proxy.stop,
  };
}
