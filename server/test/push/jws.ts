import { type KeyObject, verify } from "node:crypto";

/** A verified compact JWS: its decoded header and claims. */
export interface VerifiedJwt {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
}

/**
 * Verifies a compact JWT the way a push service does, independently of the code that signed it:
 * the `alg` must be the one expected, and ES256 signatures must be the raw 64-byte r‖s of RFC 7518
 * (a DER signature is refused, as Apple and the browsers' push services refuse it). Throws with the
 * reason.
 */
export function verifyJwt(token: string, key: KeyObject, algorithm: "ES256" | "RS256"): VerifiedJwt {
  const parts = token.split(".");
  if (parts.length !== 3) throw new Error("not a compact JWS (three dot-separated parts)");
  const [headerPart, claimsPart, signaturePart] = parts as [string, string, string];
  const header = decodeJson(headerPart, "header");
  if (header.alg !== algorithm) throw new Error(`alg is ${String(header.alg)}, expected ${algorithm}`);
  const signature = Buffer.from(signaturePart, "base64url");
  if (algorithm === "ES256" && signature.length !== 64) throw new Error(`ES256 signature is ${signature.length} bytes, not the 64 of r‖s`);
  const input = Buffer.from(`${headerPart}.${claimsPart}`);
  const valid = algorithm === "ES256"
    ? verify("sha256", input, { key, dsaEncoding: "ieee-p1363" }, signature)
    : verify("sha256", input, key, signature);
  if (!valid) throw new Error("bad signature");
  return { header, claims: decodeJson(claimsPart, "claims") };
}

function decodeJson(part: string, what: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, "base64url").toString());
    if (typeof value === "object" && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // falls through to the error below, which names the part
  }
  throw new Error(`the JWT ${what} is not a JSON object`);
}

/** Throws unless `claims[name]` is a number of seconds within [now + min, now + max] (seconds). */
export function checkTime(claims: Record<string, unknown>, name: string, nowMs: number, minS: number, maxS: number): number {
  const value = claims[name];
  if (typeof value !== "number" || !Number.isInteger(value)) throw new Error(`${name} is not an integer NumericDate`);
  const now = Math.floor(nowMs / 1000);
  if (value < now + minS || value > now + maxS) throw new Error(`${name} ${value} is outside [now${signed(minS)}, now${signed(maxS)}] (now ${now})`);
  return value;
}

function signed(n: number): string {
  return n < 0 ? `${n}` : `+${n}`;
}
