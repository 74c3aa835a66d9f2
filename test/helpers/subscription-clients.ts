/**
 * Minimal subscription clients for tests: a raw `graphql-transport-ws` client (so a test sees
 * every message and the close code, and can send malformed frames) and a GraphQL-over-SSE reader.
 * Everything they open is closed by `close()`; every wait is bounded.
 */
import WebSocket from "ws";

export interface WsMessage {
  type: string;
  id?: string;
  payload?: any;
}

export class WsTestClient {
  readonly messages: WsMessage[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly waiters = new Set<() => void>();

  private constructor(readonly socket: WebSocket) {
    this.closed = new Promise((resolve) => socket.once("close", (code, reason) => {
      resolve({ code, reason: reason.toString() });
      this.wake();
    }));
    socket.on("message", (data) => {
      try {
        this.messages.push(JSON.parse(String(data)) as WsMessage);
      } catch {
        this.messages.push({ type: "unparseable" });
      }
      this.wake();
    });
    socket.on("error", () => undefined);
  }

  /** Opens a socket with the graphql-transport-ws subprotocol; `init` sends connection_init and waits for the ack. */
  static async open(httpUrl: string, init?: { authorization?: string } | false): Promise<WsTestClient> {
    const socket = new WebSocket(httpUrl.replace(/^http/, "ws"), "graphql-transport-ws");
    const client = new WsTestClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once("open", () => resolve());
      socket.once("error", reject);
    });
    if (init !== false) {
      client.send({ type: "connection_init", payload: init ?? {} });
      await client.waitFor((m) => m.type === "connection_ack", 5_000, "connection_ack");
    }
    return client;
  }

  send(message: unknown): void {
    this.socket.send(typeof message === "string" ? message : JSON.stringify(message));
  }

  subscribe(id: string, query: string, variables?: Record<string, unknown>): void {
    this.send({ type: "subscribe", id, payload: { query, ...(variables ? { variables } : {}) } });
  }

  /** The first message (already received or coming) matching `predicate`; rejects after `timeoutMs` or on close. */
  waitFor(predicate: (m: WsMessage) => boolean, timeoutMs = 10_000, what = "message"): Promise<WsMessage> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.messages.find(predicate);
        if (found) return done(() => resolve(found));
        if (this.socket.readyState === WebSocket.CLOSED) return done(() => reject(new Error(`socket closed before ${what}; got ${JSON.stringify(this.messages)}`)));
      };
      const timer = setTimeout(() => done(() => reject(new Error(`no ${what} within ${timeoutMs} ms; got ${JSON.stringify(this.messages)}`))), timeoutMs);
      const done = (settle: () => void) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        settle();
      };
      this.waiters.add(check);
      check();
    });
  }

  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    this.socket.close(1000);
    const timer = setTimeout(() => this.socket.terminate(), 2_000);
    await this.closed;
    clearTimeout(timer);
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

export interface SseEvent {
  event: string;
  data: any;
}

export interface SseTestClient {
  status: number;
  contentType: string | null;
  events: SseEvent[];
  /** The raw answer when the server refused with JSON instead of a stream. */
  body: any;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  waitFor(predicate: (e: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>;
  close(): void;
}

/** POSTs a subscription with `Accept: text/event-stream` and reads the events as they come. */
export async function sseSubscribe(url: string, query: string, variables: Record<string, unknown>, token?: string): Promise<SseTestClient> {
  const abort = new AbortController();
  const response = await fetch(url, {
    method: "POST",
    headers: { accept: "text/event-stream", "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
    signal: abort.signal,
  });
  const events: SseEvent[] = [];
  const contentType = response.headers.get("content-type");
  const wakers = new Set<() => void>();
  let body: any;
  let ended: Promise<void>;
  if (!contentType?.startsWith("text/event-stream")) {
    body = await response.json();
    ended = Promise.resolve();
  } else {
    ended = (async () => {
      const decoder = new TextDecoder();
      let buffer = "";
      try {
        for await (const chunk of response.body!) {
          buffer += decoder.decode(chunk as Uint8Array, { stream: true });
          let end: number;
          while ((end = buffer.indexOf("\n\n")) !== -1) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const lines = block.split("\n").filter((l) => !l.startsWith(":"));
            if (lines.length === 0) continue;
            const event = lines.find((l) => l.startsWith("event:"))?.slice(6).trim() ?? "message";
            const data = lines.filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trimStart()).join("\n");
            events.push({ event, data: data ? JSON.parse(data) : undefined });
            for (const wake of [...wakers]) wake();
          }
        }
      } catch {
        // aborted by close()
      }
      for (const wake of [...wakers]) wake();
    })();
  }
  let finished = false;
  void ended.then(() => (finished = true));
  return {
    status: response.status,
    contentType,
    events,
    body,
    ended,
    waitFor: (predicate, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = events.find(predicate);
          if (found) return settle(() => resolve(found));
          if (finished) return settle(() => reject(new Error(`stream ended without the event; got ${JSON.stringify(events)}`)));
        };
        const timer = setTimeout(() => settle(() => reject(new Error(`no such event within ${timeoutMs} ms; got ${JSON.stringify(events)}`))), timeoutMs);
        const settle = (fn: () => void) => {
          clearTimeout(timer);
          wakers.delete(check);
          fn();
        };
        wakers.add(check);
        void ended.then(check);
        check();
      }),
    close: () => abort.abort(),
  };
}

/** Polls `condition` every 20 ms until it holds; throws after `timeoutMs`. */
export async function until(condition: () => boolean, timeoutMs = 10_000, what = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what} did not hold within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
