import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAuthSubgraph, type AuthSubgraph, type AuthSubgraphOptions } from "../../subgraphs/auth/index.ts";

/** Subgraph logs stay quiet in tests unless TEST_LOG_LEVEL asks for them. */
export const TEST_LOG_LEVEL = process.env.TEST_LOG_LEVEL ?? "silent";

export const DEMO_PASSWORD = "demo-password";
export const EMAILS = {
  alice: "alice@example.com",
  bob: "bob@example.com",
  carol: "carol@example.com",
  admin: "admin@example.com",
} as const;
export type DemoUser = keyof typeof EMAILS;

export interface GraphQLResult<T = Record<string, any>> {
  status: number;
  headers: Headers;
  data: T | null | undefined;
  errors: { message: string; path?: (string | number)[]; extensions?: { code?: string; [key: string]: unknown } }[] | undefined;
}

export interface RequestOptions {
  variables?: Record<string, unknown>;
  token?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** POSTs one GraphQL operation over real HTTP. */
export async function gql<T = Record<string, any>>(url: string, query: string, options: RequestOptions = {}): Promise<GraphQLResult<T>> {
  const response = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      // A current client: request errors come back as 4xx (GraphQL over HTTP).
      accept: "application/graphql-response+json",
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body: JSON.stringify({ query, variables: options.variables ?? {} }),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const body = (await response.json()) as { data?: T | null; errors?: GraphQLResult["errors"] };
  return { status: response.status, headers: response.headers, data: body.data, errors: body.errors };
}

/** The error codes of a result, in order. */
export const codes = (result: GraphQLResult): (string | undefined)[] => (result.errors ?? []).map((e) => e.extensions?.code);

const LOGIN = `mutation Login($email: String!, $password: String!) {
  login(email: $email, password: $password) { accessToken refreshToken expiresIn tokenType user { id email roles } }
}`;

export interface LoginPayload {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  tokenType: string;
  user: { id: string; email: string; roles: string[] };
}

export async function login(authUrl: string, email: string, password = DEMO_PASSWORD, headers?: Record<string, string>) {
  return gql<{ login: LoginPayload }>(authUrl, LOGIN, { variables: { email, password }, ...(headers ? { headers } : {}) });
}

/** Signs the demo users in and returns their access tokens. */
export async function tokensFor<U extends DemoUser>(authUrl: string, users: readonly U[]): Promise<Record<U, string>> {
  const entries = await Promise.all(
    users.map(async (user) => {
      const result = await login(authUrl, EMAILS[user]);
      if (!result.data?.login) throw new Error(`login failed for ${user}: ${JSON.stringify(result.errors)}`);
      return [user, result.data.login.accessToken] as const;
    }),
  );
  return Object.fromEntries(entries) as Record<U, string>;
}

/** An auth subgraph on 127.0.0.1, a free port and an in-memory database. */
export function startTestAuth(options: AuthSubgraphOptions = {}): Promise<AuthSubgraph> {
  return createAuthSubgraph({ dbPath: ":memory:", port: 0, host: "127.0.0.1", logLevel: TEST_LOG_LEVEL, ...options });
}

/** The options every non-auth test subgraph needs: loopback, free port, fresh DB, the test auth's JWKS. */
export function testServiceOptions(auth: AuthSubgraph) {
  return {
    dbPath: ":memory:",
    port: 0,
    host: "127.0.0.1",
    logLevel: TEST_LOG_LEVEL,
    jwksUrl: auth.jwksUrl,
    jwksCooldownMs: 0,
    // Orders tells delivery of status changes: no delivery unless a test wires one (never the demo's port).
    deliveryUrl: "",
  };
}

/** A temporary directory removed by the returned cleanup. */
export function tempDir(prefix = "subgraph-test-"): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** `_entities` representations for the given typename and ids. */
export const representations = (typename: string, ids: readonly string[]) => ids.map((id) => ({ __typename: typename, id }));

/** POSTs a client-credentials token request to the auth service (HTTP Basic client authentication). */
export async function requestServiceToken(tokenUrl: string, clientId: string, secret: string, form: Record<string, string> = {}) {
  const response = await fetch(tokenUrl, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString("base64")}`,
    },
    body: new URLSearchParams({ grant_type: "client_credentials", ...form }).toString(),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, any> };
}

/** A seeded service's access token (development seed secrets), for calling internal operations. */
export async function serviceToken(auth: AuthSubgraph, clientId: "payments" | "delivery" | "orders"): Promise<string> {
  const { status, body } = await requestServiceToken(auth.tokenUrl, clientId, `${clientId}-demo-secret`);
  if (status !== 200) throw new Error(`token request for ${clientId} failed: ${JSON.stringify(body)}`);
  return body.access_token as string;
}

/** Orders' internal mutation, as the payments relay sends it. */
export const APPLY_PAYMENT_EVENT = `mutation ($event: PaymentEventInput!) { applyPaymentEvent(event: $event) { eventId outcome orderStatus reason } }`;
