import type { Store, UserRecord } from "../../engines/store/interface.ts";
import { invalidArgument, notFound } from "../errors.ts";
import { limits, requireId, requireUsername } from "../validate.ts";

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

  /** Ids of users named by ids and usernames. */
  async resolve(userIds: readonly string[], usernames: readonly string[]): Promise<string[]> {
    return (await this.lookup(userIds, usernames)).map((u) => u.id);
  }
}
