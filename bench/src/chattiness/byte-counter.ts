/**
 * A TCP pass-through on 127.0.0.1:0 that counts the bytes each way and the HTTP requests it
 * carries (request lines), so the chattiness report measures what really crosses the wire,
 * headers included, without changing a byte of it.
 */
import { connect, createServer, type Server, type Socket } from "node:net";

export interface ByteCounter {
  /** The target's URL with the counter's port. */
  readonly url: string;
  readonly counts: { requests: number; bytesSent: number; bytesReceived: number };
  close(): Promise<void>;
}

// A body follows its headers with no CRLF of its own, so the next request line may directly
// follow a JSON body; JSON cannot hold a raw CRLF, so this pattern only matches request lines.
const REQUEST_LINE = /(?:GET|POST|HEAD|OPTIONS) \/\S* HTTP\/1\.1\r\n/g;

export async function startByteCounter(targetUrl: string): Promise<ByteCounter> {
  const target = new URL(targetUrl);
  const counts = { requests: 0, bytesSent: 0, bytesReceived: 0 };
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    // Request lines may straddle chunks: keep the tail of the previous chunk.
    let tail = "";
    client.on("data", (chunk: Buffer) => {
      counts.bytesSent += chunk.length;
      const text = tail + chunk.toString("latin1");
      // A match that ends inside the tail was counted with the previous chunk.
      for (const m of text.matchAll(REQUEST_LINE)) if (m.index + m[0].length > tail.length) counts.requests++;
      tail = text.slice(-256);
      upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => {
      counts.bytesReceived += chunk.length;
      client.write(chunk);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("close", end).on("error", end);
    upstream.on("close", end).on("error", end);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}${target.pathname}`,
    counts,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
