/**
 * The real system for telemetry tests: the four subgraphs on port 0 and a gateway that verifies
 * the auth subgraph's tokens (so requests have a consumer), with active health checks off so
 * every fetch in a test is one the test caused. Also small readers for the Prometheus text.
 */
import type { GatewayConfigInput } from "../../gateway/src/config/schema.ts";
import { postGraphQL, type TestGatewayOptions } from "./gateway.ts";
import { DEMO_PASSWORD, EMAILS } from "./subgraphs.ts";
import { startTestSystem, type TestSystem } from "./system.ts";

export type ObservedSystem = TestSystem;

export const LOGIN = `mutation Login($email: String!, $password: String!) { login(email: $email, password: $password) { accessToken } }`;
/** Touches every subgraph: auth (me), orders (orders), delivery and payments (per order). */
export const CROSS_SERVICE_QUERY = `query MyOrders { me { id name orders(first: 2) { edges { node { id totalCents delivery { id } payment { id } } } } } }`;

export function startObservedSystem(config: GatewayConfigInput = {}, options: TestGatewayOptions = {}): Promise<ObservedSystem> {
  return startTestSystem(
    (subgraphs) => ({
      ...config,
      subgraphs: { all: { healthCheck: { enabled: false } } },
      auth: { jwks: { url: subgraphs.auth.jwksUrl }, issuer: "urn:federated-gateway:auth", audience: "federated-gateway" },
    }),
    options,
  );
}

/** Signs alice in through the gateway and returns her access token. */
export async function loginThroughGateway(url: string, email: string = EMAILS.alice): Promise<string> {
  const result = await postGraphQL(url, LOGIN, { email, password: DEMO_PASSWORD });
  const token = (result.body.data?.login as { accessToken?: string } | undefined)?.accessToken;
  if (!token) throw new Error(`login failed: ${JSON.stringify(result.body.errors)}`);
  return token;
}

export async function scrape(metricsUrl: string): Promise<string> {
  const res = await fetch(metricsUrl);
  if (res.status !== 200) throw new Error(`metrics answered ${res.status}`);
  return res.text();
}

/** The value of one sample (`name{labels}`), 0 when absent. Labels must match exactly those given, in any order. */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const series of seriesOf(text, name)) {
    const keys = Object.keys(labels);
    if (keys.length === Object.keys(series.labels).length && keys.every((k) => series.labels[k] === labels[k])) return series.value;
  }
  return 0;
}

/** Every sample of a metric name, with its labels parsed. */
export function seriesOf(text: string, name: string): Array<{ labels: Record<string, string>; value: number }> {
  const out: Array<{ labels: Record<string, string>; value: number }> = [];
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const brace = line.indexOf("{");
    const close = line.lastIndexOf("}");
    const labels: Record<string, string> = {};
    if (brace !== -1 && brace < line.indexOf(" ")) {
      for (const m of line.slice(brace + 1, close).matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[m[1]!] = m[2]!;
    }
    out.push({ labels, value: Number(line.slice(line.lastIndexOf(" ") + 1)) });
  }
  return out;
}
