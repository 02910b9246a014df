import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startChatNode } from "../targets/chat-node.ts";
import { type Account, growAccounts } from "./accounts.ts";

/**
 * A data dir of the embedded store holding `bench-0 … bench-N` with their tokens (accounts.json).
 *
 * Registration is slow on purpose (argon2id), so the accounts are made once, grown when a run needs
 * more, and every run starts from a copy of this dir: runs are repeatable (same users, no messages
 * left over from the last run) and cost no registration.
 */
export interface Fixture {
  accounts: Account[];
  /** Copies the fixture's store into a run's data dir. */
  copyTo(dataDir: string): void;
}

const storeFiles = ["chat.sqlite", "chat.sqlite-wal"];

/** Makes sure the fixture in `dir` has at least `count` accounts, registering the missing ones. */
export async function ensureFixture(dir: string, count: number, concurrency: number): Promise<Fixture> {
  const dataDir = join(dir, "data");
  const file = join(dir, "accounts.json");
  mkdirSync(dataDir, { recursive: true });
  const accounts: Account[] = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : [];
  if (accounts.length < count) {
    const node = await startChatNode({ dataDir, env: {} });
    try {
      await growAccounts(node.url, accounts, count, concurrency, () => writeFileSync(file, JSON.stringify(accounts)));
    } finally {
      await node.stop();
    }
  }
  return {
    accounts: accounts.slice(0, count),
    copyTo(target) {
      mkdirSync(target, { recursive: true });
      for (const f of storeFiles) if (existsSync(join(dataDir, f))) copyFileSync(join(dataDir, f), join(target, f));
    },
  };
}
