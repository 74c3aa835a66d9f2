/**
 * The same field as the payment provider's connector, served by a plain GraphQL subgraph: the
 * baseline of `npm run bench:connectors`. It reads the provider's own SQLite file with the
 * provider's repository and answers what `Query.providerCharge`'s selection maps, so the two
 * paths differ only in how the gateway reaches the data (GraphQL fetch vs connector + REST).
 *
 *   node --import tsx bench/src/connectors/charges-subgraph.ts --port N --db PATH
 */
import { parseArgs } from "node:util";
import { buildSubgraphSchema } from "@apollo/subgraph";
import { serveGraphQL } from "../serve-graphql.ts";
import { graphql } from "../graphql.ts";
import { openDatabase } from "../../../subgraphs/shared/db.ts";
import { providerMigrations } from "../../../services/payment-provider/migrations.ts";
import { ProviderRepository, type Charge } from "../../../services/payment-provider/repository.ts";

const { parse } = graphql;

export const CHARGES_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.10", import: ["@key"])
  type Query { providerCharge(id: ID!): ProviderCharge }
  type ProviderCharge @key(fields: "id") {
    id: ID!
    status: String!
    amountCents: Int!
    amountRefundedCents: Int!
    currency: String!
    created: Int!
    paymentId: String
  }
`;

const mapped = (c: Charge | undefined) =>
  c && { id: c.id, status: c.status, amountCents: c.amount, amountRefundedCents: c.amount_refunded, currency: c.currency, created: c.created, paymentId: c.metadata.payment_id };

if (process.argv[1]?.endsWith("charges-subgraph.ts")) {
  const { values } = parseArgs({ options: { port: { type: "string" }, db: { type: "string" } } });
  const repository = new ProviderRepository(openDatabase({ path: values.db!, migrations: providerMigrations }).db);
  const schema = buildSubgraphSchema({
    typeDefs: parse(CHARGES_SDL),
    resolvers: {
      Query: { providerCharge: (_: unknown, { id }: { id: string }) => mapped(repository.charge(id)) },
      ProviderCharge: { __resolveReference: ({ id }: { id: string }) => mapped(repository.charge(id)) },
    } as never,
  });
  serveGraphQL(schema, Number(values.port));
}
