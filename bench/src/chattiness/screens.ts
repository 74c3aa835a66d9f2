/**
 * The client's typical screens, each as one gateway operation and as the calls a client makes
 * to the four services directly. A direct client has no query plan: it asks the service that
 * owns the root field, then each service that owns the rest, with federation's `_entities`
 * (the only way these services expose an order's delivery or payment). `batched` sends one
 * `_entities` call per service and hop (the best a hand-written client does); `perItem` one
 * call per entity (the N+1 most clients fall into).
 */

/** One call to a service; `needs` is filled from earlier answers. */
export interface DirectCall {
  service: "auth" | "orders" | "delivery" | "payments" | "payment-provider" | "routing";
  /** A GraphQL operation, or for the REST service the GET path (`rest`). */
  query: string;
  variables?: Record<string, unknown>;
  /** A REST GET (path and query string) instead of a GraphQL POST. */
  rest?: string;
  /** A unary gRPC call to the routing service (routing.proto) instead of a GraphQL POST. */
  grpc?: { method: "estimateEta" | "estimateEtas"; request: Record<string, unknown> };
}

/** A hop: calls sent together (in parallel), built from everything answered so far. */
export type Hop = (answers: ReadonlyArray<Record<string, any>>) => DirectCall[];

export interface Screen {
  name: string;
  description: string;
  /** Who looks at it. */
  user: "alice" | "carol";
  gateway: { query: string; variables?: Record<string, unknown> };
  /** The same screen as a REST endpoint of a manifest operation (gateway/operations.json), when there is one. */
  rest?: string;
  /** Hops in order; each returns the calls of that hop. */
  direct: (mode: "batched" | "perItem") => Hop[];
}

const entities = (typename: string, ids: readonly string[], selection: string): DirectCall["query"] =>
  `query($r: [_Any!]!) { _entities(representations: $r) { ... on ${typename} { ${selection} } } }`;

const reps = (typename: string, ids: readonly string[]) => ids.map((id) => ({ __typename: typename, id }));

/** One `_entities` call for all ids, or one per id. */
function entityCalls(mode: "batched" | "perItem", service: DirectCall["service"], typename: string, ids: readonly string[], selection: string): DirectCall[] {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return [];
  const groups = mode === "batched" ? [unique] : unique.map((id) => [id]);
  return groups.map((group) => ({ service, query: entities(typename, group, selection), variables: { r: reps(typename, group) } }));
}

const PAGE = 10;

export const screens: Screen[] = [
  {
    name: "order list",
    description: `a customer's last ${PAGE} orders with items, delivery status and payment status`,
    user: "alice",
    gateway: {
      query: `query OrderList { orders(first: ${PAGE}) { totalCount edges { node { id status totalCents createdAt items { name quantity } delivery { status eta } payment { status } } } } }`,
    },
    direct: (mode) => [
      () => [{ service: "orders", query: `{ orders(first: ${PAGE}) { totalCount edges { node { id status totalCents createdAt items { name quantity } } } } }` }],
      ([list]) => {
        const ids = (list!.orders.edges as Array<{ node: { id: string } }>).map((e) => e.node.id);
        return [...entityCalls(mode, "delivery", "Order", ids, "delivery { status eta }"), ...entityCalls(mode, "payments", "Order", ids, "payment { status }")];
      },
    ],
  },
  {
    name: "order detail",
    description: "one order with its items, buyer, delivery (courier, events) and payment",
    user: "alice",
    gateway: {
      query: `query OrderDetail($id: ID!) { order(id: $id) { id status totalCents createdAt items { sku name quantity unitPriceCents } user { name } delivery { status eta courier { name } events { status at note } } payment { status amountCents method createdAt } } }`,
    },
    direct: (mode) => [
      // The order id comes from the list screen; the harness fills `$id` the same way for both clients.
      () => [{ service: "orders", query: `query($id: ID!) { order(id: $id) { id status totalCents createdAt items { sku name quantity unitPriceCents } user { id } } }` }],
      ([order]) => {
        const o = order!.order as { id: string; user: { id: string } };
        return [
          ...entityCalls(mode, "delivery", "Order", [o.id], "delivery { status eta courier { id } events { status at note } }"),
          ...entityCalls(mode, "payments", "Order", [o.id], "payment { status amountCents method createdAt }"),
          ...entityCalls(mode, "auth", "User", [o.user.id], "name"),
        ];
      },
      ([, delivery]) => {
        const courier = (delivery!._entities as Array<{ delivery: { courier: { id: string } | null } | null }>)[0]?.delivery?.courier;
        return courier ? entityCalls(mode, "auth", "User", [courier.id], "name") : [];
      },
    ],
  },
  {
    name: "order list with charge status",
    description: `the order list, each payment with its live charge status from the payment provider's REST API`,
    user: "alice",
    rest: `/api/charges?first=${PAGE}`,
    gateway: {
      query: `query OrderCharges { orders(first: ${PAGE}) { totalCount edges { node { id status totalCents createdAt items { name quantity } delivery { status eta } payment { status charge { status amountRefundedCents } } } } } }`,
    },
    direct: (mode) => [
      () => [{ service: "orders", query: `{ orders(first: ${PAGE}) { totalCount edges { node { id status totalCents createdAt items { name quantity } } } } }` }],
      ([list]) => {
        const ids = (list!.orders.edges as Array<{ node: { id: string } }>).map((e) => e.node.id);
        return [...entityCalls(mode, "delivery", "Order", ids, "delivery { status eta }"), ...entityCalls(mode, "payments", "Order", ids, "payment { status charge { id } }")];
      },
      (answers) => {
        const charges = answers
          .flatMap((a) => (a._entities as Array<{ payment?: { charge: { id: string } | null } | null }> | undefined) ?? [])
          .flatMap((e) => (e?.payment?.charge ? [e.payment.charge.id] : []));
        if (charges.length === 0) return [];
        const paths = mode === "batched" ? [`/v1/charges?ids=${charges.join(",")}`] : charges.map((id) => `/v1/charges/${id}`);
        return paths.map((rest) => ({ service: "payment-provider" as const, query: "", rest }));
      },
    ],
  },
  {
    name: "order list with ETAs",
    description: `the order list, each delivery with its live ETA from the routing service (gRPC)`,
    user: "alice",
    gateway: {
      query: `query OrderEtas { orders(first: ${PAGE}) { totalCount edges { node { id status totalCents delivery { id status eta route { etaEpochMs remainingMeters enRoute } } } } } }`,
    },
    direct: (mode) => [
      () => [{ service: "orders", query: `{ orders(first: ${PAGE}) { totalCount edges { node { id status totalCents } } } }` }],
      ([list]) => entityCalls(mode, "delivery", "Order", (list!.orders.edges as Array<{ node: { id: string } }>).map((e) => e.node.id), "delivery { id status eta }"),
      (answers) => {
        const ids = answers.flatMap((a) => (a._entities as Array<{ delivery?: { id: string } | null }> | undefined) ?? []).flatMap((e) => (e?.delivery ? [e.delivery.id] : []));
        if (ids.length === 0) return [];
        if (mode === "batched") return [{ service: "routing" as const, query: "", grpc: { method: "estimateEtas" as const, request: { deliveryIds: ids } } }];
        return ids.map((deliveryId) => ({ service: "routing" as const, query: "", grpc: { method: "estimateEta" as const, request: { deliveryId } } }));
      },
    ],
  },
  {
    name: "courier's delivery list",
    description: `a courier's ${PAGE} newest deliveries with each order's items and total`,
    user: "carol",
    gateway: { query: `query MyDeliveries { myDeliveries(first: ${PAGE}) { id status eta order { id totalCents items { name quantity } } } }` },
    direct: (mode) => [
      () => [{ service: "delivery", query: `{ myDeliveries(first: ${PAGE}) { id status eta order { id } } }` }],
      ([list]) => entityCalls(mode, "orders", "Order", (list!.myDeliveries as Array<{ order: { id: string } }>).map((d) => d.order.id), "id totalCents items { name quantity }"),
    ],
  },
];
