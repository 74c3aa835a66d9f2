/**
 * Assembles authentication and authorization from the `auth` config: the key source, the
 * token verifier, the authentication stage and the authorization stage (whose requirements come
 * with each supergraph snapshot). Assembly only.
 */
import type { AuthConfig } from "../config/auth.ts";
import type { Logger } from "../logging/logger.ts";
import type { FileSupergraphSource } from "../supergraph/file-source.ts";
import { createAuthenticator, type Authenticate } from "./authenticate.ts";
import { createAuthorizeStage, type AuthorizeInput, type AuthorizationOutcome } from "./authorize-stage.ts";
import { fileKeySource, RemoteKeySource, type KeySource } from "./jwks.ts";
import { readAuthRequirements, type AuthRequirements } from "./requirements.ts";
import { TokenVerifier } from "./verifier.ts";

export interface AuthRuntime {
  /** The pipeline's authentication stage. */
  readonly authenticate: Authenticate;
  /** The pipeline's authorization stage. */
  readonly authorize: (input: AuthorizeInput) => AuthorizationOutcome | Promise<AuthorizationOutcome>;
}

export interface AuthDeps {
  supergraph: FileSupergraphSource;
  logger: Logger;
  /** Told the result of every remote JWKS fetch (metrics). */
  onJwksRefresh?: ((ok: boolean) => void) | undefined;
}

export function setupAuth(config: AuthConfig, deps: AuthDeps): AuthRuntime {
  const logger = deps.logger.child({ component: "auth" });
  let keys: KeySource;
  if ("url" in config.jwks) {
    const remote = new RemoteKeySource({ ...config.jwks, logger, ...(deps.onJwksRefresh ? { onRefresh: deps.onJwksRefresh } : {}) });
    void remote.refresh(); // warm the cache; a failure is logged and retried on the first token
    keys = remote;
  } else {
    keys = fileKeySource(config.jwks.file);
  }
  const verifier = new TokenVerifier({
    keys,
    issuer: config.issuer,
    audience: config.audience,
    algorithms: config.algorithms,
    clockToleranceSec: config.clockToleranceSec,
    requireExp: config.requireExp,
    cache: config.tokenCache,
  });

  deps.supergraph.onLoad((supergraph) => {
    const requirements = readAuthRequirements(supergraph.sdl);
    const missing = policyNames(requirements).filter((p) => !Object.hasOwn(config.policies, p));
    if (missing.length > 0) logger.warn({ policies: missing }, "the supergraph uses policies the gateway config does not define: they deny");
    logger.info({ types: requirements.types.size, fields: requirements.fields.size, mode: config.onUnauthorized }, "authorization requirements loaded");
  });

  return {
    authenticate: createAuthenticator({ verifier, logger }),
    authorize: createAuthorizeStage({ mode: config.onUnauthorized, policies: config.policies, cacheEntries: config.analysisCacheEntries }),
  };
}

/** Without an `auth` config the directives are not enforced: say so loudly when the supergraph has any. */
export function warnIfUnenforced(supergraph: FileSupergraphSource, logger: Logger): void {
  supergraph.onLoad((loaded) => {
    if (!readAuthRequirements(loaded.sdl).isEmpty) {
      logger.warn(
        "the supergraph declares @authenticated/@requiresScopes/@policy but the gateway has no `auth` config: tokens are not verified and the directives are NOT enforced",
      );
    }
  });
}

function policyNames(requirements: AuthRequirements): string[] {
  const names = new Set<string>();
  for (const clauses of [...requirements.types.values(), ...requirements.fields.values()]) {
    for (const clause of clauses) if (clause.kind === "policy") for (const set of clause.anyOf) for (const p of set) names.add(p);
  }
  return [...names].sort();
}
