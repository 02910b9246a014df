import type { DatabaseSync } from "node:sqlite";
import type { UserSearchStore } from "../interface.ts";
import { matchesUserSearch } from "../user-search.ts";
import { toUser } from "./statements.ts";

/**
 * The embedded store's user search: walks `users` in username order (its unique index) and keeps
 * the rows {@link matchesUserSearch} accepts, so it matches exactly as the cluster store does.
 * Limit: a rare prefix reads every user after the cursor, which the embedded store's scale (one
 * node, a file) affords; the cluster store reads a partition per prefix instead.
 */
export function createSqliteUserSearch(db: DatabaseSync): UserSearchStore {
  db.function("user_matches", { deterministic: true }, (username, displayName, prefix) =>
    matchesUserSearch(String(username), String(displayName), String(prefix)) ? 1 : 0);
  const search = db.prepare(`SELECT * FROM users WHERE username > ? AND user_matches(username, display_name, ?)
    ORDER BY username LIMIT ?`);
  return {
    async searchUsers(s) {
      return search.all(s.afterUsername, s.prefix, s.limit).map(toUser);
    },
  };
}
