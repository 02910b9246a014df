import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AuthService } from "@chat/gen/chat/v1/user_pb.js";
import { type Account, growAccounts } from "./accounts.ts";

/** Options of {@link ensureRemoteAccounts}. */
export interface RemoteAccountsOptions {
  baseUrl: string;
  /** Folder of the token cache files. */
  dir: string;
  /** Names the store the accounts live in (a URL, or the Cassandra contact points). */
  key: string;
  count: number;
  concurrency: number;
}

/**
 * Accounts on a store the bench does not copy (a cluster's Cassandra, or a server given by `--url`):
 * registered through the API once and their tokens cached in a file named after the store, so later
 * runs against the same store reuse them. A cache whose first token no longer works is discarded.
 */
export async function ensureRemoteAccounts(options: RemoteAccountsOptions): Promise<Account[]> {
  mkdirSync(options.dir, { recursive: true });
  const file = join(options.dir, `remote-${createHash("sha256").update(options.key).digest("hex").slice(0, 16)}.json`);
  let accounts: Account[] = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : [];
  if (accounts.length > 0) {
    const auth = createClient(AuthService, createGrpcTransport({ baseUrl: options.baseUrl }));
    const valid = await auth.whoAmI({}, { headers: { authorization: `Bearer ${accounts[0]!.token}` } }).then(() => true, () => false);
    if (!valid) accounts = [];
  }
  await growAccounts(options.baseUrl, accounts, options.count, options.concurrency, () => writeFileSync(file, JSON.stringify(accounts)));
  return accounts.slice(0, options.count);
}
