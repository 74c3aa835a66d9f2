/**
 * The smallest GraphQL-over-HTTP server a benchmark baseline needs: POST runs the query against
 * the schema, anything else answers 200 (the readiness wait). No framework, so the baseline's
 * own cost stays out of the comparison.
 */
import { createServer, type Server } from "node:http";
import type { GraphQLSchema } from "graphql";
// graphql as the repo root resolves it (bench/node_modules has its own copy; see graphql.ts).
import { graphql as graphqlModule } from "./graphql.ts";

const { graphql } = graphqlModule;

export function serveGraphQL(schema: GraphQLSchema, port: number): Server {
  return createServer((req, res) => {
    if (req.method !== "POST") {
      res.writeHead(200, { "content-type": "application/json" }).end('{"status":"ok"}');
      return;
    }
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { query: string; variables?: Record<string, unknown> };
      void graphql({ schema, source: body.query, variableValues: body.variables ?? {} }).then((result) => {
        const text = JSON.stringify(result);
        res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) }).end(text);
      });
    });
  }).listen(port, "127.0.0.1");
}
