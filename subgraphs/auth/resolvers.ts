import { requireUser, isAdmin } from "../shared/authz.ts";
import { appError, forbidden, unauthenticated } from "../shared/errors.ts";
import type { Resolvers } from "../shared/schema.ts";
import type { AccessTokenSubject } from "./access-tokens.ts";
import type { AuthContext } from "./context.ts";
import type { LoginThrottle } from "./login-throttle.ts";
import { verifyPassword } from "./passwords.ts";
import type { RefreshTokenStore } from "./refresh-tokens.ts";
import type { UserRecord, UserRepository } from "./users.ts";

export interface AuthServices {
  users: UserRepository;
  refreshTokens: RefreshTokenStore;
  issueAccessToken: (user: AccessTokenSubject) => Promise<string>;
  throttle: LoginThrottle;
  dummyPasswordHash: string;
  accessTokenTtlSeconds: number;
}

/** A user as resolvers see it; `signedInNow` marks the login/refresh payload's own user. */
type UserView = UserRecord & { signedInNow?: boolean };

/** Identical for unknown email and wrong password, so the answer does not reveal which accounts exist. */
const invalidCredentials = () => appError("INVALID_CREDENTIALS", "Invalid email or password");
const invalidRefreshToken = () => appError("INVALID_REFRESH_TOKEN", "Invalid refresh token");

export function authResolvers(services: AuthServices): Resolvers<AuthContext> {
  const { users, refreshTokens, issueAccessToken, throttle } = services;

  const payload = async (user: UserRecord, refreshToken: string) => ({
    accessToken: await issueAccessToken(user),
    refreshToken,
    expiresIn: services.accessTokenTtlSeconds,
    tokenType: "Bearer",
    user: { ...user, signedInNow: true } satisfies UserView,
  });

  /** email and roles are for authenticated callers; the caller who just signed in is one. */
  const privateField =
    (read: (user: UserView) => unknown) =>
    (user: UserView, _args: unknown, { principal }: AuthContext) => {
      if (principal.kind !== "user" && !user.signedInNow) throw unauthenticated();
      return read(user);
    };

  return {
    Query: {
      me: (_root, _args, { principal, loaders }: AuthContext) =>
        principal.kind === "user" ? loaders.userById.load(principal.userId) : null,
      user: (_root, { id }: { id: string }, { principal, loaders }: AuthContext) => {
        const caller = requireUser(principal);
        if (caller.userId !== id && !isAdmin(caller)) throw forbidden("You may only read your own user");
        return loaders.userById.load(id);
      },
    },
    Mutation: {
      login: async (_root, { email, password }: { email: string; password: string }, { clientIp }: AuthContext) => {
        const throttleKey = `${email.trim().toLowerCase()}|${clientIp}`;
        await throttle.wait(throttleKey);
        const user = users.byEmail(email);
        // Unknown emails still pay for one scrypt so response time does not reveal them.
        const matches = await verifyPassword(password, user?.passwordHash ?? services.dummyPasswordHash);
        if (!user || !matches) {
          throttle.recordFailure(throttleKey);
          throw invalidCredentials();
        }
        throttle.reset(throttleKey);
        return payload(user, refreshTokens.issue(user.id));
      },
      refreshToken: async (_root, { token }: { token: string }, { loaders, logger }: AuthContext) => {
        const result = refreshTokens.rotate(token);
        switch (result.kind) {
          case "rotated": {
            const user = await loaders.userById.load(result.userId);
            if (!user) throw invalidRefreshToken();
            return payload(user, result.token);
          }
          case "reused":
            logger.warn({ familyId: result.familyId }, "refresh token reused: family revoked");
            throw invalidRefreshToken();
          case "unknown":
          case "expired":
          case "revoked":
            throw invalidRefreshToken();
          default:
            return result satisfies never;
        }
      },
    },
    User: {
      __resolveReference: ({ id }: { id: string }, { loaders }: AuthContext) => loaders.userById.load(id),
      email: privateField((user) => user.email),
      roles: privateField((user) => user.roles),
    },
  };
}
