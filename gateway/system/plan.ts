/**
 * Which processes `npm start` runs, on which ports. One place, so the launcher, the README and
 * the end-to-end test agree.
 */
export interface ProcessSpec {
  name: string;
  args: string[];
  env: Record<string, string>;
  healthUrl: string;
}

export interface SystemPlan {
  subgraphs: ProcessSpec[];
  gateway: ProcessSpec;
  gatewayUrl: string;
}

const host = "127.0.0.1";
const subgraphPorts = { auth: 4001, orders: 4002, delivery: 4003, payments: 4004 } as const;

export function systemPlan(options: { gatewayPort?: number; portOffset?: number; dataDir?: string } = {}): SystemPlan {
  const offset = options.portOffset ?? 0;
  const gatewayPort = options.gatewayPort ?? 4000 + offset;
  const dataDir = options.dataDir ?? "data";
  const subgraphs = Object.entries(subgraphPorts).map(([name, basePort]) => {
    const port = basePort + offset;
    return {
      name: `${name}-subgraph`,
      args: ["subgraphs/main.ts", name, "--port", String(port), "--host", host, "--db", `${dataDir}/${name}.db`],
      env: { AUTH_JWKS_URL: `http://${host}:${subgraphPorts.auth + offset}/.well-known/jwks.json`, ORDERS_URL: `http://${host}:${subgraphPorts.orders + offset}/graphql` },
      healthUrl: `http://${host}:${port}/healthz`,
    };
  });
  return {
    subgraphs,
    gateway: {
      name: "gateway",
      args: ["gateway/src/main.ts", "--config", "gateway/gateway.config.ts", "--port", String(gatewayPort)],
      env: {},
      healthUrl: `http://${host}:${gatewayPort}/readyz`,
    },
    gatewayUrl: `http://${host}:${gatewayPort}/graphql`,
  };
}
