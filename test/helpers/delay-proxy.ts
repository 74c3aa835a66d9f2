/**
 * An HTTP proxy on 127.0.0.1:0 in front of a real server that can hold each request for a
 * while, or refuse connections: how tests make a subgraph slow or unreachable without faking it.
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

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
  const sockets = new Set<Socket>();
  let received = 0;
  let forwarded = 0;
  let abandoned = 0;
  const state = { delayMs };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    received++;
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    let gone = false;
    res.once("close", () => {
      if (!res.writableFinished) gone = true;
    });
    req.on("end", () => {
      setTimeout(() => {
        if (gone) {
          abandoned++;
          return;
        }
        forwarded++;
        const upstream = request(
          { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
          (up) => {
            res.writeHead(up.statusCode ?? 502, up.headers);
            up.pipe(res);
          },
        );
        upstream.on("error", () => {
          if (!res.headersSent) res.writeHead(502);
          res.end();
        });
        upstream.end(Buffer.concat(chunks));
      }, state.delayMs);
    });
  });
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.once("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${target.pathname}`,
    get delayMs() {
      return state.delayMs;
    },
    set delayMs(ms: number) {
      state.delayMs = ms;
    },
    get received() {
      return received;
    },
    get forwarded() {
      return forwarded;
    },
    get abandoned() {
      return abandoned;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
