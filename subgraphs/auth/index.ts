import { openDatabase } from "../shared/db.ts";
import { writeJson } from "../shared/http.ts";
import { createIdentityVerifier, issuerAndAudience } from "../shared/identity.ts";
import { defaultDbPath } from "../shared/paths.ts";
import { loadSubgraphSchema } from "../shared/schema.ts";
import { startSubgraphServer } from "../shared/server.ts";
import { resolveCommonOptions, serviceHandle, type CommonServiceOptions, type SubgraphHandle } from "../shared/service.ts";
import { createAccessTokenIssuer, createServiceTokenIssuer } from "./access-tokens.ts";
import { createTokenEndpoint, TOKEN_PATH } from "./client-credentials.ts";
import { createAuthLoaders, type AuthContext } from "./context.ts";
import { KeyStore } from "./keys.ts";
import { LoginThrottle, type LoginThrottleOptions } from "./login-throttle.ts";
import { RefreshTokenStore } from "./refresh-tokens.ts";
import { authResolvers } from "./resolvers.ts";
import { authMigrations } from "./schema.ts";
import { dummyPasswordHash, userSeedRows } from "./seed.ts";
import { UserRepository } from "./users.ts";
import { ServiceClientRepository, serviceClientSeedRows } from "./service-clients.ts";

export const JWKS_PATH = "/.well-known/jwks.json";

export interface AuthSubgraphOptions extends CommonServiceOptions {
  /** Access token lifetime. Default env ACCESS_TOKEN_TTL (seconds), else 900. */
  accessTokenTtlSeconds?: number;
  /** Refresh token lifetime. Default 7 days. */
  refreshTokenTtlSeconds?: number;
  /** How long a replaced signing key stays published. Default 2x the access token TTL. */
  keyRetireAfterSeconds?: number;
  /** Delays after repeated failed logins and client authentications (defaults in LoginThrottleOptions). */
  loginThrottle?: LoginThrottleOptions;
  /** Lifetime of service tokens (client-credentials grant). Default env SERVICE_TOKEN_TTL (seconds), else 300. */
  serviceTokenTtlSeconds?: number;
  /** Audience of service tokens. Default env SERVICE_AUDIENCE, else urn:federated-gateway:services. */
  serviceAudience?: string;
}

export interface AuthSubgraph extends SubgraphHandle {
  /** http://host:port/.well-known/jwks.json, for the other subgraphs and the gateway. */
  jwksUrl: string;
  /** http://host:port/oauth/token: the client-credentials grant for services. */
  tokenUrl: string;
  issuer: string;
  audience: string;
  /** Makes a new signing key current; tokens signed by the previous one keep verifying. */
  rotateSigningKey(): Promise<{ kid: string }>;
}

const secondsFromEnv = (name: string): number | undefined => {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : undefined;
};
const accessTtlFromEnv = (): number | undefined => secondsFromEnv("ACCESS_TOKEN_TTL");

/** Opens the auth database with its migrations and a key store (shared by the server and the CLI). */
export async function openAuthStore(options: { dbPath: string; now: () => number; keyRetireAfterMs: number }) {
  // Hash the seed users and the dummy together: the scrypt calls share the libuv pool.
  const [seedRows, clientRows] = await Promise.all([userSeedRows(), serviceClientSeedRows(), dummyPasswordHash()]);
  const opened = openDatabase({ path: options.dbPath, migrations: authMigrations(seedRows, clientRows), synchronous: "FULL" });
  const keys = new KeyStore({ db: opened.db, now: options.now, retireAfterMs: options.keyRetireAfterMs });
  await keys.ensureSigningKey();
  return { ...opened, keys };
}

/**
 * Rotates the signing key of an auth database without starting a server (the --rotate-key
 * CLI). Running servers on the same file sign with the new key from their next login on.
 */
export async function rotateAuthSigningKey(
  options: Pick<AuthSubgraphOptions, "dbPath" | "accessTokenTtlSeconds" | "keyRetireAfterSeconds"> = {},
): Promise<{ kid: string }> {
  const accessTokenTtlSeconds = options.accessTokenTtlSeconds ?? accessTtlFromEnv() ?? 900;
  const { db, keys } = await openAuthStore({
    dbPath: options.dbPath ?? defaultDbPath("auth"),
    now: Date.now,
    keyRetireAfterMs: (options.keyRetireAfterSeconds ?? 2 * accessTokenTtlSeconds) * 1000,
  });
  try {
    return await keys.rotate();
  } finally {
    db.close();
  }
}

/** Starts the auth subgraph: users, login, refresh rotation, signing keys and their JWKS. */
export async function createAuthSubgraph(options: AuthSubgraphOptions = {}): Promise<AuthSubgraph> {
  const common = resolveCommonOptions("auth", options);
  const { issuer, audience, serviceAudience } = issuerAndAudience(options);
  const serviceTokenTtlSeconds = options.serviceTokenTtlSeconds ?? secondsFromEnv("SERVICE_TOKEN_TTL") ?? 300;
  const accessTokenTtlSeconds = options.accessTokenTtlSeconds ?? accessTtlFromEnv() ?? 900;
  const keyRetireAfterMs = (options.keyRetireAfterSeconds ?? 2 * accessTokenTtlSeconds) * 1000;
  const { db, sqlCount, keys } = await openAuthStore({ dbPath: common.dbPath, now: common.now, keyRetireAfterMs });

  const users = new UserRepository(db);
  // One throttle for passwords and client secrets: guessing either is slowed the same way.
  const throttle = new LoginThrottle({ now: common.now, ...options.loginThrottle });
  const tokenEndpoint = createTokenEndpoint({
    clients: new ServiceClientRepository(db),
    issueServiceToken: createServiceTokenIssuer({ keys, issuer, serviceAudience, ttlSeconds: serviceTokenTtlSeconds, now: common.now }),
    throttle,
    ttlSeconds: serviceTokenTtlSeconds,
  });
  const resolvers = authResolvers({
    users,
    refreshTokens: new RefreshTokenStore({ db, now: common.now, ttlSeconds: options.refreshTokenTtlSeconds ?? 7 * 86_400 }),
    issueAccessToken: createAccessTokenIssuer({ keys, issuer, audience, ttlSeconds: accessTokenTtlSeconds, now: common.now }),
    throttle,
    dummyPasswordHash: await dummyPasswordHash(),
    accessTokenTtlSeconds,
  });

  const server = await startSubgraphServer<AuthContext>({
    service: "auth",
    schema: loadSubgraphSchema("auth", resolvers),
    logger: common.logger,
    // The auth service trusts its own key table directly rather than fetching its own JWKS.
    verifyIdentity: createIdentityVerifier({ getKey: keys.getKey, issuer, audience, serviceAudience, now: common.now }),
    createContext: (base) => ({ ...base, loaders: createAuthLoaders(users) }),
    routes: {
      [JWKS_PATH]: (_req, res) => writeJson(res, 200, keys.publishedJwks(), { "cache-control": "public, max-age=60" }),
    },
    postRoutes: { [TOKEN_PATH]: tokenEndpoint },
    port: common.port,
    host: common.host,
  });
  return {
    ...serviceHandle("auth", server, { db, sqlCount }, common.logger),
    jwksUrl: `${server.origin}${JWKS_PATH}`,
    tokenUrl: `${server.origin}${TOKEN_PATH}`,
    issuer,
    audience,
    rotateSigningKey: () => keys.rotate(),
  };
}
