/**
 * A small schema with every demand-control case the cost tests need: `@cost` on fields, types,
 * arguments and input fields; `@listSize` with slicing arguments, assumed sizes and sized
 * fields; unions, nested lists, enums and mutations.
 */
import { buildSchema, parse, type OperationDefinitionNode } from "graphql";
import { costDirectivesFrom } from "../../../gateway/src/limits/cost-directives.ts";
import { defaultCostOptions } from "../../../gateway/src/limits/cost-rules.ts";
import type { CostInput } from "../../../gateway/src/limits/cost-estimator.ts";

export const costSdl = /* GraphQL */ `
schema @link(url: "https://specs.apollo.dev/link/v1.0") @link(url: "https://specs.apollo.dev/cost/v0.1", import: ["@listSize"]) {
  query: Query
  mutation: Mutation
}
directive @link(url: String, as: String, import: [String]) repeatable on SCHEMA
directive @cost(weight: Int!) on ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION | INPUT_FIELD_DEFINITION | OBJECT | SCALAR
directive @listSize(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!], requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION

type Query {
  me: User
  users(first: Int, last: Int): [User!]! @listSize(slicingArguments: ["first", "last"], requireOneSlicingArgument: false)
  tags: [String!]!
  products: [Product!]!
  featured: [Product!]! @listSize(assumedSize: 3)
  orders(first: Int = 20): OrderConnection! @listSize(slicingArguments: ["first"], sizedFields: ["edges"], requireOneSlicingArgument: false)
  search(term: String! @cost(weight: 4), filter: Filter): [SearchResult!]! @listSize(assumedSize: 2)
  expensive: Int @cost(weight: 7)
  heavy: Heavy
  grid: [[Product!]!]! @listSize(assumedSize: 2)
  status: Status
}
type Heavy @cost(weight: 5) { id: ID }
input Filter { deep: Boolean @cost(weight: 3) name: String }
union SearchResult = User | Product
type User {
  id: ID!
  name: String
  friends: [User!]! @listSize(assumedSize: 4)
  posts(first: Int): [Post!]! @listSize(slicingArguments: ["first"])
}
type Post { id: ID! title: String }
type Product { id: ID! price: Int reviews: [Review!]! @listSize(assumedSize: 5) }
type Review { id: ID! stars: Int }
type OrderConnection { edges: [OrderEdge!]! totalCount: Int }
type OrderEdge { node: Order! }
type Order { id: ID! }
enum Status { A B }
type Mutation { pay: Order @cost(weight: 12) ping: Boolean place: Order }
`;

export const costSchema = buildSchema(costSdl);
export const costDirectives = costDirectivesFrom(costSdl);

/** The cost input for an operation text against the test schema. */
export function costInput(query: string, variables: Record<string, unknown> = {}): CostInput {
  const document = parse(query);
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === "OperationDefinition")!;
  return { schema: costSchema, document, operation, variables, directives: costDirectives, options: defaultCostOptions };
}
