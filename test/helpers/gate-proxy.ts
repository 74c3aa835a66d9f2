/**
 * A proxy on 127.0.0.1:0 in front of one subgraph that holds every GraphQL request until the
 * test opens the gate, recording what it holds. How a test makes fetches overlap for certain,
 * without guessing a delay. Probes (`{ __typename }` alone) pass at once and are not recorded.
 */
import type { IncomingHttpHeaders } from "node:http";
import { forward, isProbe, queryOf, readBody, startProxyServer } from "./proxy-server.ts";

export interface GateProxy {
  readonly url: string;
  /** GraphQL requests received (held or passed), probes excluded. */
  readonly received: ReadonlyArray<{ headers: IncomingHttpHeaders; body: string }>;
  /** Passes every held request on, and every later one at once. */
  open(): void;
  /** Holds requests again from now on. */
  close(): void;
  stop(): Promise<void>;
}

export async function startGateProxy(targetUrl: string): Promise<GateProxy> {
  const target = new URL(targetUrl);
  const received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
  const held: Array<() => void> = [];
  let open = false;
  const proxy = await startProxyServer(async (req, res) => {
    const body = await readBody(req);
    const text = body.toString("utf8");
    const pass = () => forward(target, req, res, body);
    // Not JSON: forwarded and recorded like any request.
    if (isProbe(queryOf(text))) return pass();
    received.push({ headers: req.headers, body: text });
    if (open) pass();
    else held.push(pass);
  });
  return {
    url: `http://127.0.0.1:${proxy.port}${target.pathname}`,
    received,
    open() {
      open = true;
      for (const pass of held.splice(0)) pass();
    },
    close() {
      open = false;
    },
    stop: proxy.stop,
  };
}
