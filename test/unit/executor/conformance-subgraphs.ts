/**
 * Federation shapes some planners get wrong, written from the federation spec: an entity whose
 * subgraphs know it by different key sets (one of them composite), `@requires` on a field that
 * takes arguments (asked twice under aliases with different arguments), and an
 * `@interfaceObject` whose interface one subgraph declares with a key it cannot resolve.
 */
import { subgraph } from "../../helpers/differential.ts";

const fed = (imports: string) => `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: [${imports}])`;

const products = [
  { id: "1", sku: "K-1", name: "Kettle", weight: 1.5 },
  { id: "2", sku: "T-2", name: "Teapot", weight: 0.8 },
];
const bySku = (sku: string) => products.find((p) => p.sku === sku);
const byId = (id: string) => products.find((p) => p.id === id);

export function keySetSubgraphs() {
  return [
    subgraph(
      "catalog",
      `${fed(`"@key"`)}
      type Query { product(id: ID!): Product }
      type Product @key(fields: "id") @key(fields: "sku") { id: ID! sku: String! name: String }`,
      {
        Query: { product: (_: unknown, { id }: { id: string }) => byId(id) },
        Product: { __resolveReference: (ref: { id?: string; sku?: string }) => (ref.id ? byId(ref.id) : bySku(ref.sku!)) },
      },
    ),
    subgraph(
      "pricing",
      `${fed(`"@key"`)}
      type Query { cheapest: Product }
      type Product @key(fields: "sku") { sku: String! price: Int }`,
      {
        Query: { cheapest: () => ({ sku: "T-2", price: 20 }) },
        Product: { __resolveReference: (ref: { sku: string }) => ({ sku: ref.sku, price: ref.sku === "T-2" ? 20 : 30 }) },
      },
    ),
    subgraph(
      "stock",
      `${fed(`"@key"`)}
      type Product @key(fields: "id") { id: ID! inStock: Boolean }`,
      { Product: { __resolveReference: (ref: { id: string }) => ({ id: ref.id, inStock: ref.id === "2" }) } },
    ),
    subgraph(
      "reviews",
      `${fed(`"@key"`)}
      type Product @key(fields: "id sku") { id: ID! sku: String! reviewCount: Int }`,
      { Product: { __resolveReference: (ref: { id: string; sku: string }) => ({ ...ref, reviewCount: Number(ref.id) * 10 + ref.sku.length }) } },
    ),
    subgraph(
      "shipping",
      `${fed(`"@key", "@external", "@requires"`)}
      type Product @key(fields: "id") { id: ID! weight: Float @external shippingCost(zone: String!): Int @requires(fields: "weight") }`,
      {
        Product: {
          __resolveReference: (ref: { id: string; weight?: number }) => ref,
          shippingCost: (p: { weight: number }, { zone }: { zone: string }) => Math.round(p.weight * (zone === "EU" ? 10 : 25)),
        },
      },
    ),
    subgraph(
      "weights",
      `${fed(`"@key", "@shareable"`)}
      type Product @key(fields: "id") { id: ID! weight: Float @shareable }`,
      { Product: { __resolveReference: (ref: { id: string }) => ({ id: ref.id, weight: byId(ref.id)?.weight }) } },
    ),
  ];
}

const media = [
  { id: "m1", kind: "Book", title: "Tea", pages: 120 },
  { id: "m2", kind: "Film", title: "Coffee", minutes: 90 },
];

export function interfaceObjectSubgraphs() {
  return [
    subgraph(
      "library",
      `${fed(`"@key"`)}
      type Query { media: [Media!]! }
      interface Media @key(fields: "id") { id: ID! title: String }
      type Book implements Media @key(fields: "id") { id: ID! title: String pages: Int }
      type Film implements Media @key(fields: "id") { id: ID! title: String minutes: Int }`,
      {
        Query: { media: () => media },
        Media: { __resolveType: (m: { kind: string }) => m.kind, __resolveReference: (ref: { id: string }) => media.find((m) => m.id === ref.id) },
        Book: { __resolveReference: (ref: { id: string }) => media.find((m) => m.id === ref.id) },
        Film: { __resolveReference: (ref: { id: string }) => media.find((m) => m.id === ref.id) },
      },
    ),
    subgraph(
      "ratings",
      `${fed(`"@key", "@interfaceObject"`)}
      type Query { topRated: [Media!]! }
      type Media @key(fields: "id") @interfaceObject { id: ID! stars: Int }`,
      {
        Query: { topRated: () => [{ id: "m2", stars: 5 }, { id: "m1", stars: 4 }] },
        Media: { __resolveReference: (ref: { id: string }) => ({ id: ref.id, stars: ref.id === "m1" ? 4 : 5 }) },
      },
    ),
    subgraph(
      "tags",
      `${fed(`"@key", "@interfaceObject"`)}
      type Media @key(fields: "id", resolvable: false) @interfaceObject { id: ID! }
      type Query { tagged(tag: String!): [Media!]! }`,
      { Query: { tagged: () => [{ id: "m1" }] } },
    ),
  ];
}

/** Two subgraphs requiring the same field, `weight(unit:)`, each with its own argument. */
export function requiresWithArgumentsSubgraphs() {
  return [
    subgraph("catalog", `${fed(`"@key"`)} type Query { product: Product } type Product @key(fields: "id") { id: ID! name: String }`, {
      Query: { product: () => ({ id: "1", name: "Kettle" }) },
      Product: { __resolveReference: (ref: { id: string }) => ({ id: ref.id, name: "Kettle" }) },
    }),
    subgraph("weights", `${fed(`"@key", "@shareable"`)} type Product @key(fields: "id") { id: ID! weight(unit: String!): Float @shareable }`, {
      Product: { __resolveReference: (ref: { id: string }) => ref, weight: (_: unknown, { unit }: { unit: string }) => (unit === "kg" ? 1.5 : 3.3) },
    }),
    subgraph(
      "shipping",
      `${fed(`"@key", "@external", "@requires"`)} type Product @key(fields: "id") { id: ID! weight(unit: String!): Float @external shippingCost: Float @requires(fields: "weight(unit: \\"kg\\")") }`,
      { Product: { __resolveReference: (ref: { id: string }) => ref, shippingCost: (p: { weight: number }) => p.weight * 10 } },
    ),
    subgraph(
      "customs",
      `${fed(`"@key", "@external", "@requires"`)} type Product @key(fields: "id") { id: ID! weight(unit: String!): Float @external customsFee: Float @requires(fields: "weight(unit: \\"lb\\")") }`,
      { Product: { __resolveReference: (ref: { id: string }) => ref, customsFee: (p: { weight: number }) => p.weight * 2 } },
    ),
  ];
}
