/**
 * `@apollo/gateway` refuses a supergraph that links a feature `for: SECURITY` it does not
 * implement, and composing `@authenticated`, `@requiresScopes` or `@policy` produces exactly
 * such links. The gateway enforces those directives itself (from the original SDL), so the
 * copy handed to `@apollo/gateway` only drops the `for: SECURITY` purpose: the directive
 * definitions and applications stay, and the API schema it builds is unchanged.
 */
const securityPurpose = /(@link\(\s*url:\s*"[^"]+"[^)]*?),\s*for:\s*SECURITY(\s*[,)])/g;

export function sanitizeForApolloGateway(supergraphSdl: string): string {
  return supergraphSdl.replace(securityPurpose, "$1$2");
}
