import { createHash, randomBytes } from "node:crypto";

/** Prefix of a person's device tokens. */
export const deviceTokenPrefix = "chat_";
/** Prefix of a bot's API tokens: tells the server to load the token's scope, and secret scanners what leaked. */
export const botTokenPrefix = "chatbot_";

/** A new opaque bearer token: 32 random bytes, base64url, prefixed so that leaked ones are easy to grep. */
export function newToken(prefix = deviceTokenPrefix): string {
  return `${prefix}${randomBytes(32).toString("base64url")}`;
}

/** The hash under which a token is stored: a stolen database yields no usable token. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** The token of an `authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | null): string | undefined {
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1];
}
