/**
 * An HTTP proxy on 127.0.0.1:0 in front of a real server that can hold each request for a
 * while, or refuse connections: how tests make a subgraph slow or unreachable without faking it.
 */
import { forward, readBody, startProxyServer } from "./proxy-server.ts";

export interface DelayProxy {
  /** Same path as the target, on the proxy's port. */
  readonly url: string;
  /** Milliseconds each request is held before it is forwarded. */
  delayMs: number;
  /** Requests received so far. */
  readonly received: number;
  /** Requests passed on to the target. */
  readonly forwarded: number;
  /** Requests whose client hung up while the proxy held them (never forwarded). */
  readonly abandoned: number;
  close(): Promise<void>;
}

export async function startDelayProxy(targetUrl: string, delayMs = 0): Promise<DelayProxy> {
  const target = new URL(targetUrl);
  // The handler reads and counts on the object the test holds, so settings need no accessors.
  const state = { url: "", delayMs, received: 0, forwarded: 0, abandoned: 0, close: () => Promise.resolve() };
  const proxy = await startProxyServer(async (req, res) => {
    state.received++;
    let gone = false;
    res.once("close", () => {
      if (!res.writableFinished) gone = true;
    });
    const body = await readBody(req);
    setTimeout(() => {
      if (gone) {
        state.abandoned++;
        return;
      }
      state.forwarded++;
      forward(target, req, res, body);
    }, state.delayMs);
  });
  state.url = `http://127.0.0.1:${proxy.port}${target.pathname}`;
  state.close = proxy.stop;
  return state;
}
