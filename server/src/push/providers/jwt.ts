import { type KeyObject, sign } from "node:crypto";

/** The two JWS algorithms the push services want: ES256 (APNs provider tokens) and RS256 (Google OAuth2). */
export type JwtAlgorithm = "ES256" | "RS256";

/**
 * Signs a compact JWT (RFC 7519) with node:crypto. ES256 signatures are the raw 64-byte r‖s that JWS
 * requires (RFC 7518 §3.4), not the DER that `crypto.sign` gives by default: a DER signature is the
 * classic reason a service rejects an otherwise correct token.
 */
export function signJwt(algorithm: JwtAlgorithm, key: KeyObject, header: Record<string, string>, claims: Record<string, unknown>): string {
  const input = `${encode({ alg: algorithm, typ: "JWT", ...header })}.${encode(claims)}`;
  const signature = algorithm === "ES256"
    ? sign("sha256", Buffer.from(input), { key, dsaEncoding: "ieee-p1363" })
    : sign("sha256", Buffer.from(input), key);
  return `${input}.${signature.toString("base64url")}`;
}

function encode(part: object): string {
  return Buffer.from(JSON.stringify(part)).toString("base64url");
}
