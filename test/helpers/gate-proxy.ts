/**
 * A proxy on 127.0.0.1:0 in front of one subgraph that holds every GraphQL request until the
 * test opens the gate, recording what it holds. How a test makes fetches overlap for certain,
 * without guessing a delay. Probes (`{ __typename }` alone) pass at once and are not recorded.
 */
import { createServer, request, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";

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

const probe = /^\s*(query\s+\w*\s*)?\{\s*__typename\s*\}\s*$/;

export async function startGateProxy(targetUrl: string): Promise<GateProxy> {
  const target = new URL(targetUrl);
  const received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
  const held: Array<() => void> = [];
  const sockets = new Set<Socket>();
  let open = false;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      let isProbe = false;
      try {
        isProbe = probe.test((JSON.parse(body) as { query?: string }).query ?? "");
      } catch {
        // Not JSON: forwarded and recorded like any request.
      }
      const forward = () => {
        const upstream = request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        });
        upstream.on("error", () => {
          if (!res.headersSent) res.writeHead(502);
          res.end();
        });
        upstream.end(body);
      };
      if (isProbe) return forward();
      received.push({ headers: req.headers, body });
      if (open) forward();
      else held.push(forward);
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
    received,
    open() {
      open = true;
      for (const forward of held.splice(0)) forward();
    },
    close() {
      open = false;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
