import { forbidden, unauthenticated } from "./errors.ts";
import type { Principal, ServicePrincipal, UserPrincipal } from "./identity.ts";

/** Row-level checks every resolver uses, so a request that bypasses the gateway gets no more. */

export function requireUser(principal: Principal): UserPrincipal {
  if (principal.kind !== "user") throw unauthenticated();
  return principal;
}

export const hasRole = (principal: Principal, role: string): boolean =>
  principal.kind === "user" && principal.roles.includes(role);

export const isAdmin = (principal: Principal): boolean => hasRole(principal, "admin");

export const hasScope = (principal: Principal, scope: string): boolean =>
  principal.kind === "user" && principal.scopes.has(scope);

/** Authenticated and holding the scope; UNAUTHENTICATED or FORBIDDEN otherwise. */
export function requireScope(principal: Principal, scope: string): UserPrincipal {
  const user = requireUser(principal);
  if (!user.scopes.has(scope)) throw forbidden(`Missing scope ${scope}`);
  return user;
}

/** The caller is the owner of a record, or an admin. */
export const isOwnerOrAdmin = (principal: Principal, ownerId: string): boolean =>
  (principal.kind === "user" && principal.userId === ownerId) || isAdmin(principal);

/**
 * Internal operations: only a service token holding the scope may call them. A user token is
 * refused whatever its roles, so an admin cannot mark an order paid by hand either.
 */
export function requireService(principal: Principal, scope: string): ServicePrincipal {
  if (principal.kind === "anonymous") throw unauthenticated("A service token is required");
  if (principal.kind !== "service") throw forbidden("Only services may call this operation");
  if (!principal.scopes.has(scope)) throw forbidden(`Missing scope ${scope}`);
  return principal;
}
