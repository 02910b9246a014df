import type { Store, UserRecord } from "../../engines/store/interface.ts";
import { normalizeSearch } from "../../engines/store/user-search.ts";
import { invalidArgument, notFound } from "../errors.ts";
import { limits, requireId, requireLength, requireUsername } from "../validate.ts";

/** One page of a user search. */
export interface UserSearchPage {
  users: UserRecord[];
  /** The cursor of the next page (opaque to callers); "" after the last page. */
  nextPageToken: string;
}

/** Finds users by id or username, for lookups and for naming members. */
export class Directory {
  private readonly store: Store;

  constructor(store: Store) {
    this.store = store;
  }

  /** Users by ids and usernames, ids first, each once. NotFound names the first one missing. */
  async lookup(userIds: readonly string[], usernames: readonly string[]): Promise<UserRecord[]> {
    if (userIds.length + usernames.length > limits.maxLookup) throw invalidArgument(`at most ${limits.maxLookup} users at a time`);
    const ids = [...new Set(userIds.map((id) => requireId(id, "user_id")))];
    const byId = new Map((await this.store.getUsers(ids)).map((u) => [u.id, u]));
    const missing = ids.find((id) => !byId.has(id));
    if (missing) throw notFound(`user ${missing} not found`);
    const found = ids.map((id) => byId.get(id)!);
    for (const name of new Set(usernames.map(requireUsername))) {
      const user = await this.store.getUserByUsername(name);
      if (!user) throw notFound(`user @${name} not found`);
      if (!byId.has(user.id)) {
        byId.set(user.id, user);
        found.push(user);
      }
    }
    return found;
  }

  /**
   * Users whose names start with `query` (see `user-search.ts`), by username, a page at a time.
   * Every account is in the directory, as `lookup` by username already tells anyone who asks.
   */
  async search(query: string, pageSize: number, pageToken: string): Promise<UserSearchPage> {
    const prefix = normalizeSearch(query.trim().replace(/^@/, ""));
    requireLength(prefix, "query", 1, limits.maxSearchQueryLength);
    if (pageSize > limits.maxSearchPage) throw invalidArgument(`page_size is at most ${limits.maxSearchPage}`);
    const limit = pageSize || limits.defaultSearchPage;
    const afterUsername = pageToken ? decodeCursor(pageToken) : "";
    // One more than asked: whether a next page exists is known without an empty last page.
    const users = await this.store.searchUsers({ prefix, afterUsername, limit: limit + 1 });
    const page = users.slice(0, limit);
    return { users: page, nextPageToken: users.length > limit ? encodeCursor(page.at(-1)!.username) : "" };
  }

  /** Ids of users named by ids and usernames. */
  async resolve(userIds: readonly string[], usernames: readonly string[]): Promise<string[]> {
    return (await this.lookup(userIds, usernames)).map((u) => u.id);
  }
}

/** A page token: the last username of the page, base64url so that callers treat it as opaque. */
function encodeCursor(username: string): string {
  return Buffer.from(username, "utf8").toString("base64url");
}

function decodeCursor(token: string): string {
  const username = Buffer.from(token, "base64url").toString("utf8");
  if (token.length > 64 || !/^[a-z0-9_.-]{3,32}$/.test(username)) throw invalidArgument("page_token is not one this server gave");
  return username;
}
