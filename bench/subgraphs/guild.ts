/**
 * The shape The Guild's federation gateway benchmark uses (accounts, inventory, products,
 * reviews), rewritten as Federation 2 SDL with precomputed in-memory data. The deep query
 * walks users → reviews → product → reviews → author → reviews → product, so a gateway must
 * plan several sequential entity fetches and merge a response near 100 KB.
 */
import { buildSubgraphSchema } from "@apollo/subgraph";
import { graphql } from "../src/graphql.ts";
import type { LeanSubgraph } from "./server.ts";

const fed = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@provides", "@requires"])`;

/** SDL per subgraph name; composition and the servers both read these. */
export const guildSdl: Record<string, string> = {
  accounts: `${fed}
    type Query { me: User  user(id: ID!): User  users: [User] }
    type User @key(fields: "id") { id: ID!  name: String  username: String @shareable  birthday: Int }`,
  inventory: `${fed}
    type Product @key(fields: "upc") {
      upc: String!
      weight: Int @external
      price: Int @external
      inStock: Boolean
      shippingEstimate: Int @requires(fields: "price weight")
    }`,
  products: `${fed}
    type Query { topProducts(first: Int = 5): [Product] }
    type Product @key(fields: "upc") { upc: String!  name: String  price: Int  weight: Int }`,
  reviews: `${fed}
    type Review @key(fields: "id") { id: ID!  body: String  product: Product  author: User @provides(fields: "username") }
    type User @key(fields: "id") { id: ID!  username: String @external  reviews: [Review] }
    type Product @key(fields: "upc") { upc: String!  reviews: [Review] }`,
};

interface User { id: string; name: string; username: string; birthday: number }
interface Product { upc: string; name: string; price: number; weight: number; inStock: boolean }
interface Review { id: string; body: string; upc: string; authorId: string }

const people = [
  ["Uri Goldshtein", "urigo"], ["Dotan Simha", "dotansimha"], ["Kamil Kisiela", "kamilkisiela"],
  ["Arda Tanrikulu", "ardatan"], ["Gil Gardosh", "gilgardosh"], ["Laurin Quast", "laurin"],
] as const;
const USERS: User[] = people.map(([name, username], i) => ({ id: String(i + 1), name, username, birthday: 1234567890 }));

const goods = [
  ["Table", 899, 100], ["Couch", 1299, 1000], ["Glass", 15, 20], ["Chair", 499, 100], ["TV", 1299, 1000],
  ["Lamp", 6999, 300], ["Grill", 3999, 2000], ["Fridge", 100000, 6000], ["Sofa", 9999, 800],
] as const;
const PRODUCTS: Product[] = goods.map(([name, price, weight], i) => ({ upc: String(i + 1), name, price, weight, inStock: i % 3 !== 1 }));

const lorem =
  "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat. Duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla pariatur.";
// Three reviews per user and per reviewed product: this fan-out puts the deep query's response
// near 100 KB, the size the public benchmark's query returns.
const REVIEWS: Review[] = Array.from({ length: 18 }, (_, i) => ({
  id: String(i + 1),
  body: lorem.slice(0, 120 + ((i * 37) % 200)),
  upc: String((i % 6) + 1),
  authorId: String(Math.floor(i / 3) + 1),
}));

const userById = new Map(USERS.map((u) => [u.id, u]));
const productByUpc = new Map(PRODUCTS.map((p) => [p.upc, p]));
const reviewById = new Map(REVIEWS.map((r) => [r.id, r]));
const reviewsByAuthor = groupBy(REVIEWS, (r) => r.authorId);
const reviewsByUpc = groupBy(REVIEWS, (r) => r.upc);

function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) out.set(key(item), [...(out.get(key(item)) ?? []), item]);
  return out;
}

const reviewView = (r: Review) => ({ id: r.id, body: r.body, product: { upc: r.upc }, author: { id: r.authorId, username: userById.get(r.authorId)?.username } });

const resolvers: Record<string, Record<string, Record<string, unknown>>> = {
  accounts: {
    Query: { me: () => USERS[0], user: (_: unknown, a: { id: string }) => userById.get(a.id), users: () => USERS },
    User: { __resolveReference: (ref: { id: string }) => userById.get(ref.id) },
  },
  inventory: {
    Product: {
      __resolveReference: (ref: { upc: string; price?: number; weight?: number }) => ({ ...ref, inStock: productByUpc.get(ref.upc)?.inStock ?? false }),
      shippingEstimate: (p: { price?: number; weight?: number }) =>
        p.price === undefined ? null : p.price > 1000 ? 0 : p.weight === undefined ? null : Math.floor(p.weight / 2),
    },
  },
  products: {
    Query: { topProducts: (_: unknown, a: { first?: number }) => PRODUCTS.slice(0, a.first ?? 5) },
    Product: { __resolveReference: (ref: { upc: string }) => productByUpc.get(ref.upc) },
  },
  reviews: {
    Review: { __resolveReference: (ref: { id: string }) => { const r = reviewById.get(ref.id); return r && reviewView(r); } },
    User: { reviews: (u: { id: string }) => (reviewsByAuthor.get(u.id) ?? []).map(reviewView) },
    Product: { reviews: (p: { upc: string }) => (reviewsByUpc.get(p.upc) ?? []).map(reviewView) },
  },
};

/** The four subgraphs, ready to serve. */
export function guildSubgraphs(): LeanSubgraph[] {
  return Object.entries(guildSdl).map(([name, sdl]) => ({
    name,
    schema: buildSubgraphSchema({ typeDefs: graphql.parse(sdl), resolvers: resolvers[name] as never }),
  }));
}
