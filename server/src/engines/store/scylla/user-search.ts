import type { UserRecord, UserSearchStore } from "../interface.ts";
import { matchesUserSearch, maxIndexedPrefix, searchPrefixes } from "../user-search.ts";
import type { Cql, Statement } from "./cql.ts";

/**
 * Prefix rows (each its own partition) written per unlogged batch: Cassandra warns about unlogged
 * batches over 10 partitions (unlogged_batch_across_partitions_warn_threshold).
 */
const rowsPerBatch = 10;
/** Partition pages read for one search page when a long query filters rows out. */
const maxRounds = 5;

/**
 * The cluster store's user search over `users_by_prefix` (migration 5): one row per prefix a user
 * is found by (up to 32 characters of each name and word), clustered by username, so that a page
 * of a search is one partition read from the cursor on. No secondary or storage-attached index.
 */
export function createScyllaUserSearch(cql: Cql, getUsers: (ids: readonly string[]) => Promise<UserRecord[]>): UserSearchStore {
  return {
    async searchUsers(s) {
      const key = [...s.prefix].slice(0, maxIndexedPrefix).join("");
      const found: { id: string; username: string }[] = [];
      let after = s.afterUsername;
      for (let round = 0; round < maxRounds && found.length < s.limit; round++) {
        const rows = (await cql.execute("SELECT username, user_id, display_name FROM users_by_prefix WHERE prefix = ? AND username > ? LIMIT ?",
          [key, after, s.limit])).rows;
        for (const r of rows) {
          // A query longer than the indexed prefix: the partition holds candidates, check each.
          if (matchesUserSearch(r.get("username"), r.get("display_name"), s.prefix)) found.push({ id: r.get("user_id"), username: r.get("username") });
        }
        if (rows.length < s.limit) break;
        after = rows.at(-1)!.get("username") as string;
      }
      const byId = new Map((await getUsers(found.slice(0, s.limit).map((f) => f.id))).map((u) => [u.id, u]));
      return found.slice(0, s.limit).flatMap((f) => byId.get(f.id) ?? []);
    },
  };
}

/** Writes the prefix rows of a user (idempotent upserts, in unlogged batches). */
export async function indexUserForSearch(cql: Cql, user: Pick<UserRecord, "id" | "username" | "displayName">): Promise<void> {
  const rows: Statement[] = searchPrefixes(user.username, user.displayName).map((prefix) => ({
    query: "INSERT INTO users_by_prefix (prefix, username, user_id, display_name) VALUES (?, ?, ?, ?)",
    params: [prefix, user.username, user.id, user.displayName],
  }));
  const batches: Statement[][] = [];
  for (let i = 0; i < rows.length; i += rowsPerBatch) batches.push(rows.slice(i, i + rowsPerBatch));
  await Promise.all(batches.map((b) => cql.unloggedBatch(b)));
}

/**
 * Migration 5's second step: indexes the users created before it, page by page. Idempotent, so a
 * node that dies midway and re-runs the migration just writes the same rows again.
 */
export async function indexExistingUsers(cql: Cql): Promise<void> {
  for await (const rows of cql.pages("SELECT id, username, display_name FROM users")) {
    for (const r of rows) {
      // Rows of a username claim that lost its race are deleted, but may be read mid-way.
      if (r.get("username")) await indexUserForSearch(cql, { id: r.get("id"), username: r.get("username"), displayName: r.get("display_name") ?? "" });
    }
  }
}
