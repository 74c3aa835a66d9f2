/**
 * Tokens signed in the test itself: an ES256 key pair, its JWKS, and the forged or broken
 * tokens the 401 matrix needs (alg none, HS256 signed with the public key, tampered payload).
 */
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK } from "jose";

export const TEST_ISSUER = "urn:federated-gateway:auth";
export const TEST_AUDIENCE = "federated-gateway";

export interface TestKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  readonly publicJwk: JWK;
}

export async function createTestKey(kid: string): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: "ES256", use: "sig" };
  return { kid, privateKey, publicKey, publicJwk };
}

export function jwksOf(...keys: TestKey[]): { keys: JWK[] } {
  return { keys: keys.map((k) => k.publicJwk) };
}

/** Claims merged over sane defaults (a customer token valid for 5 minutes); `undefined` removes a claim. */
export type Claims = Record<string, unknown>;

export function claims(overrides: Claims = {}, nowSec = Math.floor(Date.now() / 1000)): Claims {
  const base: Claims = {
    sub: "u1",
    iss: TEST_ISSUER,
    aud: TEST_AUDIENCE,
    iat: nowSec,
    exp: nowSec + 300,
    scope: "orders:read orders:write payments:read payments:write deliveries:read",
    roles: ["customer"],
    email: "alice@example.com",
  };
  const merged = { ...base, ...overrides };
  for (const [k, v] of Object.entries(merged)) if (v === undefined) delete merged[k];
  return merged;
}

export function signToken(key: TestKey, payload: Claims = claims(), header: { kid?: string } = {}): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg: "ES256", kid: header.kid ?? key.kid, typ: "JWT" }).sign(key.privateKey);
}

/** An unsecured JWT: `alg: none`, empty signature. */
export function unsecuredToken(payload: Claims = claims()): string {
  return `${b64(JSON.stringify({ alg: "none", typ: "JWT" }))}.${b64(JSON.stringify(payload))}.`;
}

/** The classic confusion attack: HS256 with the issuer's PUBLIC key (PEM) as the HMAC secret. */
export async function hs256WithPublicKey(key: TestKey, payload: Claims = claims()): Promise<string> {
  const pem = await exportSPKI(key.publicKey);
  return new SignJWT(payload).setProtectedHeader({ alg: "HS256", kid: key.kid, typ: "JWT" }).sign(new TextEncoder().encode(pem));
}

/** The same signature over a different payload. */
export function tamperedToken(token: string, changes: Claims): string {
  const [header, payload, signature] = token.split(".");
  const decoded = JSON.parse(Buffer.from(payload!, "base64url").toString("utf8")) as Claims;
  return `${header}.${b64(JSON.stringify({ ...decoded, ...changes }))}.${signature}`;
}

function b64(text: string): string {
  return Buffer.from(text, "utf8").toString("base64url");
}
