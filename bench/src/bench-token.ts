/**
 * A signing key and one JWT for the bench's "policies on" profile: the gateway verifies the
 * token against a local JWKS file (`auth.jwks.file`), exactly as in production but with no
 * issuer to call. Synchronous node:crypto, so the profile table can be built at import.
 */
import { generateKeyPairSync, sign } from "node:crypto";

export const BENCH_ISSUER = "https://bench.invalid/";
export const BENCH_AUDIENCE = "gateway-bench";
const KID = "bench-1";

const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });

/** The JWKS the gateway reads from a file. */
export const benchJwks = { keys: [{ ...publicKey.export({ format: "jwk" }), kid: KID, alg: "ES256", use: "sig" }] };

const b64url = (value: object | Buffer) => (Buffer.isBuffer(value) ? value : Buffer.from(JSON.stringify(value))).toString("base64url");

/** An ES256 token for one signed-in customer (`subject`), valid for a day. */
export function benchToken(subject = "bench-user"): string {
  const now = Math.floor(Date.now() / 1000);
  const header = b64url({ alg: "ES256", typ: "JWT", kid: KID });
  const payload = b64url({ iss: BENCH_ISSUER, aud: BENCH_AUDIENCE, sub: subject, iat: now, exp: now + 86_400, scope: "orders:read orders:write payments:read payments:write deliveries:read", roles: ["customer"] });
  const signature = sign("sha256", Buffer.from(`${header}.${payload}`), { key: privateKey, dsaEncoding: "ieee-p1363" });
  return `${header}.${payload}.${b64url(signature)}`;
}
