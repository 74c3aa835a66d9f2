/**
 * An HTTP proxy on 127.0.0.1 in front of one real subgraph instance, for failover tests: it
 * records every request body, can hold requests (a slow instance), can die like a killed process
 * (listener closed, every connection reset, so new connects are refused) and come back on the
 * same port, and can forward a request and then reset the connection before the answer (an
 * instance dying mid-request, after the subgraph did the work).
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface FaultProxy {
  /** The instance URL to give the gateway (same path as the target). */
  readonly url: string;
  /** Milliseconds each request is held before it is forwarded. */
  delayMs: number;
  /** Forward each request, then reset the client connection instead of answering. */
  dropAnswers: boolean;
  /** Bodies of the requests received, in order. */
  readonly bodies: readonly string[];
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
  const sockets = new Set<Socket>();
  const bodies: string[] = [];
  const state = { delayMs: 0, dropAnswers: false };

  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const upstream = request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (up) => {
      if (state.dropAnswers) {
        up.resume();
        up.once("end", () => req.socket.destroy());
        return;
      }
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on("error", () => req.socket.destroy());
    upstream.end(body);
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      bodies.push(body.toString("utf8"));
      if (state.delayMs > 0) setTimeout(() => !req.socket.destroyed && forward(req, res, body), state.delayMs);
      else forward(req, res, body);
    });
  });
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.once("close", () => sockets.delete(s));
  });

  const listen = (port: number) => new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
    });

  await listen(0);
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${target.pathname}`,
    get delayMs() {
      return state.delayMs;
    },
    set delayMs(ms: number) {
      state.delayMs = ms;
    },
    get dropAnswers() {
      return state.dropAnswers;
    },
    set dropAnswers(on: boolean) {
      state.dropAnswers = on;
    },
    bodies,
    count: (text) => bodies.filter((b) => b.includes(text)).length,
    kill: stop,
    revive: () => (server.listening ? Promise.resolve() : listen(port)),
    close: stop,
  };
}
