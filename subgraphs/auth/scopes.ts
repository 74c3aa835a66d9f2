/** The scopes each role puts into an access token. An admin holds every other role's scopes. */
const CUSTOMER = ["orders:read", "orders:write", "payments:read", "payments:write", "deliveries:read"];
const COURIER = ["deliveries:read", "deliveries:write", "orders:read"];

const SCOPES_BY_ROLE: Readonly<Record<string, readonly string[]>> = Object.freeze({
  customer: CUSTOMER,
  courier: COURIER,
  admin: [...CUSTOMER, ...COURIER, "admin"],
});

/** The space-separated `scope` claim for a set of roles, deduplicated, in a stable order. */
export function scopeClaim(roles: readonly string[]): string {
  const scopes = new Set<string>();
  for (const role of roles) for (const scope of SCOPES_BY_ROLE[role] ?? []) scopes.add(scope);
  return [...scopes].join(" ");
}
