/**
 * What the test proxies (delay, fault, gate, recording) share: a listener on 127.0.0.1 that
 * tracks its sockets so it can reset them all, reading a request body whole, forwarding one
 * request to the target, and telling the gateway's own probes from client fetches.
 */
import { createServer, request, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface ProxyServer {
  readonly server: Server;
  /** The port it listens on (kept across `stop` and `listen`). */
  readonly port: number;
  /** Listens (again) on this port. */
  listen(port: number): Promise<void>;
  /** Resets every connection and closes the listener, like a killed process. */
  stop(): Promise<void>;
}

/** Starts `handler` on 127.0.0.1 and a free port. */
export async function startProxyServer(handler: RequestListener): Promise<ProxyServer> {
  const sockets = new Set<Socket>();
  const server = createServer(handler);
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.once("close", () => sockets.delete(s));
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
  await listen(0);
  const { port } = server.address() as AddressInfo;
  return {
    server,
    port,
    listen,
    stop: () =>
      new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}

/** The request body, whole. */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export interface ForwardHooks {
  /** Takes the target's answer over instead of piping it back (return true). */
  onAnswer?(up: IncomingMessage): boolean;
  /** When the target cannot be reached; default: 502. */
  onError?(): void;
}

/** Sends the request on to `target` with its method, path and headers and pipes the answer back. */
export function forward(target: URL, req: IncomingMessage, res: ServerResponse, body: Buffer, hooks: ForwardHooks = {}): void {
  const upstream = request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (up) => {
    if (hooks.onAnswer?.(up)) return;
    res.writeHead(up.statusCode ?? 502, up.headers);
    up.pipe(res);
  });
  upstream.on("error", () => {
    if (hooks.onError) return hooks.onError();
    if (!res.headersSent) res.writeHead(502);
    res.end();
  });
  upstream.end(body);
}

const probeQuery = /^\s*(query\s+\w*\s*)?\{\s*__typename\s*\}\s*$/;

/** The query of a GraphQL request body; undefined when the body is not JSON. */
export function queryOf(body: string): string | undefined {
  try {
    return (JSON.parse(body) as { query?: string }).query ?? "";
  } catch {
    return undefined;
  }
}

/** The gateway's readiness probes and health checks send `{ __typename }` alone: not a client's fetch. */
export function isProbe(query: string | undefined): boolean {
  return query !== undefined && probeQuery.test(query);
}
