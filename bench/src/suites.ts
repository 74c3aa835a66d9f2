/**
 * What is benchmarked: each suite is one supergraph (a set of lean subgraphs) and the queries
 * run against it. A query name is what `--queries` selects.
 */
import { demoSdl } from "../subgraphs/demo.ts";
import { guildSdl } from "../subgraphs/guild.ts";

export interface BenchQuery {
  name: string;
  description: string;
  query: string;
  /** The one subgraph that answers it alone; the harness then also loads that subgraph directly as a baseline. */
  singleSubgraph?: string;
}

export interface Suite {
  name: "guild" | "demo";
  description: string;
  sdl: () => Record<string, string>;
  queries: BenchQuery[];
}

const guildDeep = `
fragment User on User { id username name }
fragment Review on Review { id body }
fragment Product on Product { inStock name price shippingEstimate upc weight }
query TestQuery {
  users {
    ...User
    reviews { ...Review product { ...Product reviews { ...Review author { ...User reviews { ...Review product { ...Product } } } } } }
  }
  topProducts {
    ...Product
    reviews { ...Review author { ...User reviews { ...Review product { ...Product } } } }
  }
}`;

export const suites: Suite[] = [
  {
    name: "demo",
    description: "our schema (schema/*.graphql) on lean subgraphs with precomputed data",
    sdl: demoSdl,
    queries: [
      {
        name: "small",
        description: "one field from one subgraph (auth)",
        query: "query Small { me { id name email roles } }",
        singleSubgraph: "auth",
      },
      {
        name: "orders",
        description: "20 orders with items (orders), delivery (delivery) and payment (payments)",
        query:
          "query Orders { orders(first: 20) { edges { node { id totalCents items { name quantity } delivery { status eta } payment { status amountCents } } } } }",
      },
    ],
  },
  {
    name: "guild",
    description: "The Guild's federation benchmark shape: accounts, inventory, products, reviews",
    sdl: () => guildSdl,
    queries: [{ name: "deep", description: "users → reviews → product → reviews → author → reviews → product", query: guildDeep }],
  },
];

export const allQueryNames = suites.flatMap((s) => s.queries.map((q) => q.name));
