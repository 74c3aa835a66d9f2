/**
 * A lean twin of our demo system: the real SDLs from schema/*.graphql, unchanged, served with
 * precomputed in-memory data instead of SQLite. Resolvers ignore auth on purpose: the
 * subgraphs must cost next to nothing so the gateway is what the benchmark measures.
 */
import { readFileSync } from "node:fs";
import { buildSubgraphSchema } from "@apollo/subgraph";
import { graphql } from "../src/graphql.ts";
import type { LeanSubgraph } from "./server.ts";

export const demoNames = ["auth", "orders", "delivery", "payments"] as const;

/** SDL per subgraph, read from the committed schema files so the bench tracks the real schema. */
export function demoSdl(): Record<string, string> {
  return Object.fromEntries(
    demoNames.map((name) => [name, readFileSync(new URL(`../../schema/${name}.graphql`, import.meta.url), "utf8")]),
  );
}

const USERS = Array.from({ length: 20 }, (_, i) => ({
  id: `u${i + 1}`,
  email: `user${i + 1}@example.com`,
  name: `User ${i + 1}`,
  roles: i === 0 ? ["admin"] : i % 5 === 0 ? ["courier"] : ["customer"],
}));

const ORDER_STATUS = ["PENDING", "PAID", "SHIPPED", "DELIVERED", "CANCELLED"] as const;
const DELIVERY_STATUS = ["PENDING", "ASSIGNED", "PICKED_UP", "IN_TRANSIT", "DELIVERED"] as const;
const SKUS = ["Espresso beans", "Oat milk", "Croissant", "Bagel", "Green tea", "Granola", "Orange juice"];
const BASE = Date.UTC(2026, 10, 1);
const iso = (hoursBefore: number) => new Date(BASE - hoursBefore * 3_600_000).toISOString();

// Newest first, which is the order the `orders` field promises.
const ORDERS = Array.from({ length: 200 }, (_, i) => {
  const items = Array.from({ length: 1 + (i % 4) }, (_, k) => ({
    sku: `sku-${(i + k) % SKUS.length}`,
    name: SKUS[(i + k) % SKUS.length]!,
    quantity: 1 + ((i + k) % 3),
    unitPriceCents: 250 + ((i * 7 + k * 13) % 900),
  }));
  return {
    id: `o${i + 1}`,
    userId: USERS[i % USERS.length]!.id,
    items,
    totalCents: items.reduce((s, it) => s + it.quantity * it.unitPriceCents, 0),
    status: ORDER_STATUS[i % ORDER_STATUS.length]!,
    createdAt: iso(i),
  };
});

const DELIVERIES = ORDERS.map((o, i) => {
  const status = DELIVERY_STATUS[i % DELIVERY_STATUS.length]!;
  return {
    id: `d${i + 1}`,
    orderId: o.id,
    status,
    courierId: status === "PENDING" ? null : USERS[5]!.id,
    eta: status === "DELIVERED" ? null : iso(i - 24),
    events: DELIVERY_STATUS.slice(0, DELIVERY_STATUS.indexOf(status) + 1).map((s, k) => ({ status: s, at: iso(i - k), note: null })),
  };
});

const PAYMENTS = ORDERS.map((o, i) => ({
  id: `p${i + 1}`,
  orderId: o.id,
  status: i % 9 === 0 ? "FAILED" : "SUCCEEDED",
  amountCents: o.totalCents,
  method: i % 2 === 0 ? "CARD" : "PAYPAL",
  createdAt: o.createdAt,
}));

const index = <T, K>(items: T[], key: (t: T) => K) => new Map(items.map((t) => [key(t), t]));
const userById = index(USERS, (u) => u.id);
const orderById = index(ORDERS, (o) => o.id);
const deliveryById = index(DELIVERIES, (d) => d.id);
const deliveryByOrder = index(DELIVERIES, (d) => d.orderId);
const paymentById = index(PAYMENTS, (p) => p.id);
const paymentByOrder = index(PAYMENTS, (p) => p.orderId);

type Order = (typeof ORDERS)[number];
function connection(orders: Order[], first = 20, after?: string | null) {
  const start = after ? orders.findIndex((o) => o.id === after) + 1 : 0;
  const page = orders.slice(start, start + first);
  return {
    edges: page.map((o) => ({ cursor: o.id, node: o })),
    pageInfo: { hasNextPage: start + first < orders.length, endCursor: page.at(-1)?.id ?? null },
    totalCount: orders.length,
  };
}

const notInBench = () => {
  throw new Error("mutations are not part of the benchmark");
};
type Args = { id: string; first?: number; after?: string | null };

const resolvers: Record<string, Record<string, Record<string, unknown>>> = {
  auth: {
    Query: { me: () => USERS[0], user: (_: unknown, a: Args) => userById.get(a.id) },
    Mutation: { login: notInBench, refreshToken: notInBench },
    User: { __resolveReference: (ref: { id: string }) => userById.get(ref.id) },
  },
  orders: {
    Query: {
      order: (_: unknown, a: Args) => orderById.get(a.id),
      orders: (_: unknown, a: Args) => connection(ORDERS, a.first, a.after),
    },
    Mutation: { placeOrder: notInBench },
    Order: { __resolveReference: (ref: { id: string }) => orderById.get(ref.id), user: (o: Order) => ({ id: o.userId }) },
    User: {
      __resolveReference: (ref: { id: string }) => ref,
      orders: (u: { id: string }, a: Args) => connection(ORDERS.filter((o) => o.userId === u.id), a.first, a.after),
    },
  },
  delivery: {
    Query: {
      delivery: (_: unknown, a: Args) => deliveryById.get(a.id),
      myDeliveries: (_: unknown, a: Args) => DELIVERIES.slice(0, a.first ?? 20),
    },
    Mutation: { updateDeliveryStatus: notInBench },
    Delivery: {
      __resolveReference: (ref: { id: string }) => deliveryById.get(ref.id),
      order: (d: { orderId: string }) => ({ id: d.orderId }),
      courier: (d: { courierId: string | null }) => (d.courierId ? { id: d.courierId } : null),
    },
    Order: { __resolveReference: (ref: { id: string }) => ref, delivery: (o: { id: string }) => deliveryByOrder.get(o.id) ?? null },
  },
  payments: {
    Mutation: { payOrder: notInBench },
    Payment: { __resolveReference: (ref: { id: string }) => paymentById.get(ref.id) },
    Order: { __resolveReference: (ref: { id: string }) => ref, payment: (o: { id: string }) => paymentByOrder.get(o.id) ?? null },
  },
};

/** The four demo subgraphs, ready to serve. */
export function demoSubgraphs(): LeanSubgraph[] {
  const sdl = demoSdl();
  return demoNames.map((name) => ({
    name,
    schema: buildSubgraphSchema({ typeDefs: graphql.parse(sdl[name]!), resolvers: resolvers[name] as never }),
  }));
}
