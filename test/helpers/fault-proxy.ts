/**
 * An HTTP proxy on 127.0.0.1 in front of one real subgraph instance, for failover tests: it
 * records every request body, can hold requests (a slow instance), can die like a killed process
 * (listener closed, every connection reset, so new connects are refused) and come back on the
 * same port, and can forward a request and then reset the connection before the answer (an
 * instance dying mid-request, after the subgraph did the work).
 */
import type { IncomingHttpHeaders } from "node:http";
import { forward, readBody, startProxyServer } from "./proxy-server.ts";

/** One request as the proxy received it. */
export interface ReceivedRequest {
  readonly method: string;
  /** Path and query string. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface FaultProxy {
  /** The instance URL to give the gateway (same path as the target). */
  readonly url: string;
  /** Milliseconds each request is held before it is forwarded. */
  delayMs: number;
  /** Forward each request, then reset the client connection instead of answering. */
  dropAnswers: boolean;
  /** Bodies of the requests received, in order. */
  readonly bodies: readonly string[];
  /** Every request received, in order. */
  readonly requests: readonly ReceivedRequest[];
  /** The `traceparent` header of each request received, in order (undefined when absent). */
  readonly traceparents: readonly (string | undefined)[];
  /** How many received bodies contain `text` (e.g. a field name; health checks never do). */
  count(text: string): number;
  /** Like a killed process: resets every connection and refuses new ones. */
  kill(): Promise<void>;
  /** Listens again on the same port. */
  revive(): Promise<void>;
  close(): Promise<void>;
}

export async function startFaultProxy(targetUrl: string): Promise<FaultProxy> {
  const target = new URL(targetUrl);
  const bodies: string[] = [];
  const requests: ReceivedRequest[] = [];
  const traceparents: (string | undefined)[] = [];
  // The handler reads its settings from the object the test holds, so they need no accessors.
  const state = { delayMs: 0, dropAnswers: false };
  const send = (req: Parameters<typeof forward>[1], res: Parameters<typeof forward>[2], body: Buffer) =>
    forward(target, req, res, body, {
      onAnswer: (up) => {
        if (!state.dropAnswers) return false;
        up.resume();
        up.once("end", () => req.socket.destroy());
        return true;
      },
      // An instance that cannot reach its own backend looks like a dead connection, not a 502.
      onError: () => req.socket.destroy(),
    });

  const proxy = await startProxyServer(async (req, res) => {
    const body = await readBody(req);
    bodies.push(body.toString("utf8"));
    requests.push({ method: req.method ?? "GET", url: req.url ?? "/", headers: req.headers, body: body.toString("utf8") });
    traceparents.push(typeof req.headers.traceparent === "string" ? req.headers.traceparent : undefined);
    if (state.delayMs > 0) setTimeout(() => !req.socket.destroyed && send(req, res, body), state.delayMs);
    else send(req, res, body);
  });
  return Object.assign(state, {
    url: `http://127.0.0.1:${proxy.port}${target.pathname}`,
    bodies,
    requests,
    traceparents,
    count: (text: string) => bodies.filter((b) => b.includes(text)).length,
    kill: proxy.stop,
    revive: () => (proxy.server.listening ? Promise.resolve() : proxy.listen(proxy.port)),
    close: proxy.stop,
  });
}
