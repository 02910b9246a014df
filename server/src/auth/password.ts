import argon2 from "argon2";

/**
 * Password hashing with argon2id (OWASP's first choice). The parameters are argon2's defaults
 * (64 MiB, 3 passes); the encoded hash carries them, so they can be raised later without breaking
 * existing accounts.
 */
export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, { type: argon2.argon2id });
}

/** True when `password` matches the encoded hash. */
export function verifyPassword(hash: string, password: string): Promise<boolean> {
  return argon2.verify(hash, password);
}

/** A valid hash of a password nobody knows: verified against when the username does not exist, so
 * that timing does not tell which usernames are taken. */
export const dummyHash = await hashPassword(`not-a-real-password-${Math.random()}`);
