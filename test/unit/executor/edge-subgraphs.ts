/**
 * A small supergraph made to exercise the executor's edges: interfaces (`@interfaceObject`) and
 * unions across subgraphs, `@requires`, `@provides`, `@override`, an `@inaccessible` enum value,
 * non-null fields that come back null, and entity errors. Data is fixed; a few ids are faulty on purpose.
 */
import { GraphQLError } from "graphql";
import { subgraph } from "../../helpers/differential.ts";

const fed = (imports: string) => `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: [${imports}])`;

const products: Record<string, { id: string; name: string | null; color: string; price: number; vendor: string }> = {
  p1: { id: "p1", name: "Kettle", color: "RED", price: 30, vendor: "v1" },
  p2: { id: "p2", name: "Teapot", color: "GREEN", price: 20, vendor: "v2" },
  p3: { id: "p3", name: null, color: "RED", price: 5, vendor: "v1" },
  p4: { id: "p4", name: "Secret", color: "SECRET", price: 99, vendor: "v2" },
  p5: { id: "p5", name: "Mug", color: "GREEN", price: 8, vendor: "v1" },
};
const vendors: Record<string, { id: string; name: string; country: string }> = { v1: { id: "v1", name: "Acme", country: "NL" }, v2: { id: "v2", name: "Brew", country: "DE" } };
const reviews: Record<string, Array<{ id: string; body: string | null; stars: number; author: string }>> = {
  p1: [{ id: "r1", body: "Boils fast", stars: 5, author: "u1" }, { id: "r2", body: "Loud", stars: 3, author: "u2" }],
  p2: [{ id: "r3", body: "Pretty", stars: 4, author: "u1" }],
  p5: [{ id: "r4", body: null, stars: 1, author: "u2" }],
};
const media = [
  { id: "m1", kind: "Book", title: "Tea", pages: 120 },
  { id: "m2", kind: "Film", title: "Coffee", minutes: 90 },
];
const users: Record<string, { id: string; name: string }> = { u1: { id: "u1", name: "Ann" }, u2: { id: "u2", name: "Bo" } };

export function edgeSubgraphs() {
  return [
    subgraph(
      "catalog",
      `${fed(`"@key", "@shareable", "@inaccessible", "@external", "@provides"`)}
      type Query {
        products(ids: [ID!]!): [Product!]!
        product(id: ID!): Product
        search(term: String): [SearchResult!]!
        media: [Media!]!
        count: Int
      }
      enum Color { RED GREEN SECRET @inaccessible }
      type Product @key(fields: "id") { id: ID! name: String! color: Color price: Int! vendor: Vendor @provides(fields: "name") }
      type Vendor @key(fields: "id") { id: ID! name: String @external }
      union SearchResult = Product | Article
      type Article @key(fields: "id") { id: ID! title: String }
      interface Media @key(fields: "id") { id: ID! title: String }
      type Book implements Media @key(fields: "id") { id: ID! title: String pages: Int }
      type Film implements Media @key(fields: "id") { id: ID! title: String minutes: Int }`,
      {
        Query: {
          products: (_: unknown, { ids }: { ids: string[] }) => ids.map((id) => products[id]).filter(Boolean),
          product: (_: unknown, { id }: { id: string }) => products[id] ?? null,
          search: () => [products.p1, { kind: "Article", id: "a1", title: "Brewing" }, products.p2],
          media: () => media,
          count: () => 7,
        },
        Product: { __resolveReference: (ref: { id: string }) => products[ref.id], vendor: (p: { vendor: string }) => vendors[p.vendor] },
        Article: { __resolveReference: (ref: { id: string }) => ({ id: ref.id, title: "Brewing" }) },
        SearchResult: { __resolveType: (o: { kind?: string }) => o.kind ?? "Product" },
        Media: { __resolveType: (o: { kind: string }) => o.kind, __resolveReference: (ref: { id: string }) => media.find((m) => m.id === ref.id) },
        Book: { __resolveReference: (ref: { id: string }) => media.find((m) => m.id === ref.id) },
        Film: { __resolveReference: (ref: { id: string }) => media.find((m) => m.id === ref.id) },
      },
    ),
    subgraph(
      "reviews",
      `${fed(`"@key", "@interfaceObject"`)}
      type Product @key(fields: "id") { id: ID! reviews: [Review!] rating: Float }
      type Review { id: ID! body: String! stars: Int author: User }
      type User @key(fields: "id") { id: ID! }
      type Media @key(fields: "id") @interfaceObject { id: ID! popularity: Int }`,
      {
        Product: {
          __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
          reviews: (p: { id: string }) => reviews[p.id] ?? [],
          rating: (p: { id: string }) => {
            if (p.id === "p2") throw new GraphQLError("rating unavailable", { extensions: { code: "RATING_DOWN" } });
            const list = reviews[p.id] ?? [];
            return list.length ? list.reduce((a, r) => a + r.stars, 0) / list.length : null;
          },
        },
        Review: { author: (r: { author: string }) => ({ id: r.author }) },
        Media: { __resolveReference: (ref: { id: string }) => ({ id: ref.id, popularity: ref.id === "m1" ? 10 : 20 }) },
      },
    ),
    subgraph(
      "shipping",
      `${fed(`"@key", "@external", "@requires"`)}
      type Product @key(fields: "id") { id: ID! price: Int! @external shippingCost: Int @requires(fields: "price") }`,
      {
        Product: {
          __resolveReference: (ref: { id: string; price?: number }) => ref,
          shippingCost: (p: { id: string; price: number }) => {
            if (p.id === "p5") throw new Error("no route to p5");
            return p.price * 2;
          },
        },
      },
    ),
    subgraph(
      "vendors",
      `${fed(`"@key", "@shareable", "@override"`)}
      type Vendor @key(fields: "id") { id: ID! name: String @shareable country: String }
      type User @key(fields: "id") { id: ID! name: String }
      type Article @key(fields: "id") { id: ID! title: String @override(from: "catalog") }`,
      {
        Vendor: { __resolveReference: (ref: { id: string }) => vendors[ref.id] },
        User: { __resolveReference: (ref: { id: string }) => users[ref.id] },
        Article: { __resolveReference: (ref: { id: string }) => ({ id: ref.id, title: `Overridden ${ref.id}` }) },
      },
    ),
  ];
}
