/**
 * The same field as the routing subgraph's gRPC mapping, served by a plain GraphQL subgraph: the
 * baseline of the gRPC rows of `npm run bench:connectors`. It answers `Query.deliveryRoute` from
 * the routing service's own seed with the same values EstimateEta returns, so the two paths
 * differ only in how the gateway reaches the data (GraphQL fetch vs in-process gRPC call).
 *
 *   node --import tsx bench/src/grpc/routes-subgraph.ts --port N
 */
import { parseArgs } from "node:util";
import { buildSubgraphSchema } from "@apollo/subgraph";
import { serveGraphQL } from "../serve-graphql.ts";
import { graphql } from "../graphql.ts";
import { remainingMeters, seedRoutes } from "../../../services/routing/seed.ts";

const { parse } = graphql;

export const ROUTES_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])
  type Query { deliveryRoute(deliveryId: ID!): RouteEstimate }
  type RouteEstimate { deliveryId: ID! etaEpochMs: Float! remainingMeters: Int! status: String! enRoute: Boolean! }
`;

if (process.argv[1]?.endsWith("routes-subgraph.ts")) {
  const { values } = parseArgs({ options: { port: { type: "string" } } });
  const routes = new Map(seedRoutes().map((r) => [r.deliveryId, r]));
  const schema = buildSubgraphSchema({
    typeDefs: parse(ROUTES_SDL),
    resolvers: {
      Query: {
        deliveryRoute: (_: unknown, { deliveryId }: { deliveryId: string }) => {
          const r = routes.get(deliveryId);
          return r && { deliveryId: r.deliveryId, etaEpochMs: r.etaEpochMs ?? 0, remainingMeters: remainingMeters(r), status: r.status, enRoute: r.etaEpochMs !== null };
        },
      },
    } as never,
  });
  serveGraphQL(schema, Number(values.port));
}
