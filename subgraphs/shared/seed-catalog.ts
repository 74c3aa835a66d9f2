import { createRandom } from "./prng.ts";

/**
 * The demo world every subgraph seeds its own database from. It is a pure function of fixed
 * seeds and timestamps, so the four databases agree with each other (payment amounts equal
 * order totals, delivery ids match order ids) without any service reading another's data.
 */

export interface SeedUser {
  id: string;
  email: string;
  name: string;
  roles: readonly string[];
}

export interface SeedOrderItem {
  sku: string;
  name: string;
  quantity: number;
  unitPriceCents: number;
}

export type SeedOrderStatus = "PENDING" | "PAID" | "SHIPPED" | "DELIVERED" | "CANCELLED";

export interface SeedOrder {
  /** 1-based: the order is o<n>, its delivery d<n>, its payment p<n>. */
  n: number;
  id: string;
  userId: string;
  items: readonly SeedOrderItem[];
  totalCents: number;
  status: SeedOrderStatus;
  /** Epoch milliseconds. */
  createdAt: number;
}

/** The password every demo user signs in with. */
export const DEMO_PASSWORD = "demo-password";

/** 2025-01-01T00:00:00Z: seeded timestamps count from here, never from the wall clock. */
export const SEED_EPOCH_MS = Date.UTC(2025, 0, 1);
export const SEED_ORDER_COUNT = 300;

export const SEED_USERS: readonly SeedUser[] = Object.freeze([
  { id: "u1", email: "alice@example.com", name: "Alice Example", roles: ["customer"] },
  { id: "u2", email: "bob@example.com", name: "Bob Example", roles: ["customer"] },
  { id: "u3", email: "carol@example.com", name: "Carol Courier", roles: ["courier"] },
  { id: "u4", email: "admin@example.com", name: "Admin Example", roles: ["admin"] },
  { id: "u5", email: "dave@example.com", name: "Dave Example", roles: ["customer"] },
  { id: "u6", email: "erin@example.com", name: "Erin Example", roles: ["customer"] },
  { id: "u7", email: "frank@example.com", name: "Frank Example", roles: ["customer"] },
  { id: "u8", email: "grace@example.com", name: "Grace Example", roles: ["customer"] },
]);

export const SEED_COURIER_ID = "u3";

/** A product of the shop: what an order line's name and price come from. */
export type CatalogProduct = Readonly<Omit<SeedOrderItem, "quantity">>;

/**
 * The product catalog every service shares. Orders prices each line from here when an order is
 * placed (never from the client), and the seeded orders are drawn from it too.
 */
export const CATALOG: readonly CatalogProduct[] = Object.freeze([
  { sku: "SKU-COFFEE", name: "Coffee beans 1kg", unitPriceCents: 2499 },
  { sku: "SKU-TEA", name: "Green tea 100g", unitPriceCents: 899 },
  { sku: "SKU-MUG", name: "Ceramic mug", unitPriceCents: 1299 },
  { sku: "SKU-KETTLE", name: "Electric kettle", unitPriceCents: 4999 },
  { sku: "SKU-GRINDER", name: "Burr grinder", unitPriceCents: 8999 },
  { sku: "SKU-FILTER", name: "Paper filters x100", unitPriceCents: 499 },
  { sku: "SKU-SCALE", name: "Kitchen scale", unitPriceCents: 2999 },
  { sku: "SKU-CHOC", name: "Dark chocolate bar", unitPriceCents: 349 },
  { sku: "SKU-BISCUIT", name: "Almond biscuits", unitPriceCents: 599 },
  { sku: "SKU-PRESS", name: "French press", unitPriceCents: 3499 },
  { sku: "SKU-SYRUP", name: "Vanilla syrup", unitPriceCents: 749 },
  { sku: "SKU-MILK", name: "Oat milk 1l", unitPriceCents: 279 },
].map((product) => Object.freeze(product)));

const CATALOG_BY_SKU: ReadonlyMap<string, CatalogProduct> = new Map(CATALOG.map((product) => [product.sku, product]));

/** The catalog entry of a SKU, or undefined when the shop does not sell it. */
export const catalogProduct = (sku: string): CatalogProduct | undefined => CATALOG_BY_SKU.get(sku);

const STATUS_WEIGHTS: readonly (readonly [SeedOrderStatus, number])[] = [
  ["DELIVERED", 45],
  ["SHIPPED", 15],
  ["PAID", 15],
  ["PENDING", 15],
  ["CANCELLED", 10],
];

let cachedOrders: readonly SeedOrder[] | undefined;

/** The seeded orders o1..o300, oldest first (createdAt grows with n). */
export function seedOrders(): readonly SeedOrder[] {
  cachedOrders ??= Object.freeze(buildOrders());
  return cachedOrders;
}

function buildOrders(): SeedOrder[] {
  const random = createRandom(20250101);
  const customers = SEED_USERS.filter((u) => u.roles.includes("customer")).map((u) => u.id);
  const hour = 3_600_000;
  const orders: SeedOrder[] = [];
  for (let n = 1; n <= SEED_ORDER_COUNT; n++) {
    const products = [...CATALOG];
    const items: SeedOrderItem[] = [];
    const itemCount = random.int(1, 5);
    for (let i = 0; i < itemCount; i++) {
      // Draw without replacement so an order never lists one SKU twice.
      const [product] = products.splice(random.int(0, products.length - 1), 1);
      if (product) items.push({ ...product, quantity: random.int(1, 3) });
    }
    orders.push(
      Object.freeze({
        n,
        id: `o${n}`,
        userId: random.pick(customers),
        items: Object.freeze(items),
        totalCents: items.reduce((sum, item) => sum + item.quantity * item.unitPriceCents, 0),
        status: random.weighted(STATUS_WEIGHTS),
        // Six-hour slots with jitter inside the slot: strictly increasing with n.
        createdAt: SEED_EPOCH_MS + n * 6 * hour + random.int(0, 6 * 60 - 1) * 60_000,
      }),
    );
  }
  return orders;
}

/**
 * The services that call other services' internal operations, as OAuth 2.0 clients of the auth
 * service (client-credentials grant). Development seed only: each secret is read from
 * `<NAME>_CLIENT_SECRET` (PAYMENTS_CLIENT_SECRET, DELIVERY_CLIENT_SECRET, ORDERS_CLIENT_SECRET) when set, by the auth
 * service when it seeds the client and by the service itself, else the demo secret below. The
 * auth database stores only a scrypt hash.
 */
export interface SeedServiceClient {
  clientId: string;
  /** What the client may ask for: every scope of its internal calls, nothing of a user's. */
  scopes: readonly string[];
  demoSecret: string;
  secretEnv: string;
}

export const SEED_SERVICE_CLIENTS: readonly SeedServiceClient[] = Object.freeze([
  // The payments relay tells orders of payments and refunds.
  { clientId: "payments", scopes: ["orders:mark-paid", "orders:mark-refunded"], demoSecret: "payments-demo-secret", secretEnv: "PAYMENTS_CLIENT_SECRET" },
  // Delivery asks orders whether an order is paid before it leaves PENDING, and tells it when the goods left and arrived.
  { clientId: "delivery", scopes: ["orders:read-status", "orders:record-delivery"], demoSecret: "delivery-demo-secret", secretEnv: "DELIVERY_CLIENT_SECRET" },
  // Orders tells delivery of an order's status changes, which its subscribers then see.
  { clientId: "orders", scopes: ["deliveries:record-order-status"], demoSecret: "orders-demo-secret", secretEnv: "ORDERS_CLIENT_SECRET" },
]);

/** A seeded client's secret as this process sees it: its environment variable, else the demo secret. */
export function serviceClientSecret(clientId: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const client = SEED_SERVICE_CLIENTS.find((c) => c.clientId === clientId);
  return client && (env[client.secretEnv] || client.demoSecret);
}
