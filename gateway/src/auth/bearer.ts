/**
 * Reads the `Authorization` header. Only `Bearer <token>` (RFC 6750's b64token) is accepted;
 * any other scheme or shape is malformed, never silently treated as anonymous.
 */
export type BearerCredentials =
  | { readonly kind: "none" }
  | { readonly kind: "bearer"; readonly token: string }
  | { readonly kind: "malformed"; readonly reason: string };

const bearer = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

export function bearerCredentials(header: string | string[] | undefined): BearerCredentials {
  if (header === undefined) return { kind: "none" };
  if (Array.isArray(header)) return { kind: "malformed", reason: "more than one Authorization header" };
  const match = bearer.exec(header);
  if (match) return { kind: "bearer", token: match[1]! };
  if (/^Bearer(\s|$)/i.test(header)) return { kind: "malformed", reason: "the Bearer credentials are malformed" };
  return { kind: "malformed", reason: "only the Bearer authorization scheme is accepted" };
}
