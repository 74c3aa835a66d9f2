/**
 * A lean GraphQL-over-HTTP server for benchmark subgraphs. It must never be the bottleneck,
 * so documents are parsed and validated once, and whole responses are memoized by request
 * body: the data is immutable, so the same body always yields the same bytes. Every request
 * on /graphql is counted, which is how the harness measures subgraph requests per client request.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { DocumentNode, GraphQLSchema } from "graphql";
import { graphql } from "../src/graphql.ts";

const { execute, parse, validate } = graphql;

/** One subgraph to serve: its name (as in the supergraph) and executable schema. */
export interface LeanSubgraph {
  name: string;
  schema: GraphQLSchema;
}

export interface RunningSubgraph {
  name: string;
  url: string;
  /** Requests received on /graphql since start. */
  count(): number;
  close(): Promise<void>;
}

// Bounded so a gateway sending ever-new bodies (none should) cannot grow memory without limit.
const MEMO_LIMIT = 10_000;

export async function serveSubgraph(subgraph: LeanSubgraph, host = "127.0.0.1"): Promise<RunningSubgraph> {
  const documents = new Map<string, DocumentNode | readonly Error[]>();
  const memo = new Map<string, Buffer>();
  let requests = 0;

  const documentFor = (query: string): DocumentNode | readonly Error[] => {
    let doc = documents.get(query);
    if (doc === undefined) {
      try {
        const parsed = parse(query);
        const errors = validate(subgraph.schema, parsed);
        doc = errors.length > 0 ? errors : parsed;
      } catch (e) {
        doc = [e instanceof Error ? e : new Error(String(e))];
      }
      if (documents.size < MEMO_LIMIT) documents.set(query, doc);
    }
    return doc;
  };

  const answer = async (body: string): Promise<{ status: number; bytes: Buffer; cacheable: boolean }> => {
    let request: { query?: unknown; variables?: unknown; operationName?: unknown };
    try {
      request = JSON.parse(body) as typeof request;
    } catch {
      return { status: 400, bytes: Buffer.from('{"errors":[{"message":"body is not JSON"}]}'), cacheable: false };
    }
    if (typeof request.query !== "string") {
      return { status: 400, bytes: Buffer.from('{"errors":[{"message":"query is required"}]}'), cacheable: false };
    }
    const doc = documentFor(request.query);
    if (Array.isArray(doc)) {
      return { status: 400, bytes: Buffer.from(JSON.stringify({ errors: doc.map((e) => ({ message: e.message })) })), cacheable: true };
    }
    const result = await execute({
      schema: subgraph.schema,
      document: doc as DocumentNode,
      variableValues: (request.variables ?? undefined) as Record<string, unknown> | undefined,
      operationName: typeof request.operationName === "string" ? request.operationName : undefined,
    });
    return { status: 200, bytes: Buffer.from(JSON.stringify(result)), cacheable: result.errors === undefined };
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    if (req.method !== "POST" || !req.url?.startsWith("/graphql")) {
      res.writeHead(404).end();
      return;
    }
    requests++;
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const hit = memo.get(body);
      if (hit !== undefined) {
        send(res, 200, hit);
        return;
      }
      answer(body).then(
        ({ status, bytes, cacheable }) => {
          if (cacheable && memo.size < MEMO_LIMIT) memo.set(body, bytes);
          send(res, status, bytes);
        },
        (e: unknown) => send(res, 500, Buffer.from(JSON.stringify({ errors: [{ message: String(e) }] }))),
      );
    });
  };

  const server: Server = createServer({ keepAliveTimeout: 65_000 }, handle);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    name: subgraph.name,
    url: `http://${host}:${port}/graphql`,
    count: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(res: ServerResponse, status: number, bytes: Buffer): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": bytes.length });
  res.end(bytes);
}
