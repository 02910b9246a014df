import type { Client } from "@connectrpc/connect";
import type { Presence, User, UserService } from "@chat/gen/chat/v1/user_pb.js";

/** The API's limit of ids and usernames in one GetUsers call. */
const batch = 100;

/**
 * Who is who: users by id, looked up through UserService.GetUsers in batches and kept, so that a
 * client can show "@alice" for a sender id without a call per message. Presence from the lookups is
 * kept too; the live session's presence events keep it current (`setPresence`).
 */
export class UserDirectory {
  private readonly users: Client<typeof UserService>;
  private readonly byId = new Map<string, User>();
  private readonly presenceById = new Map<string, Presence>();

  constructor(users: Client<typeof UserService>) {
    this.users = users;
  }

  /** A user already known, or undefined. */
  get(id: string): User | undefined {
    return this.byId.get(id);
  }

  /** "@username" when known, else a short form of the id. */
  name(id: string): string {
    const user = this.byId.get(id);
    return user ? `@${user.username}` : id.slice(0, 8);
  }

  /** The last known presence of a user. */
  presence(id: string): Presence | undefined {
    return this.presenceById.get(id);
  }

  /** Records a presence change seen on the live stream. */
  setPresence(presence: Presence): void {
    this.presenceById.set(presence.userId, presence);
  }

  /** Looks up the users not known yet (with their presence). */
  async load(ids: Iterable<string>): Promise<void> {
    const missing = [...new Set(ids)].filter((id) => !this.byId.has(id));
    for (let i = 0; i < missing.length; i += batch) {
      this.remember(await this.users.getUsers({ userIds: missing.slice(i, i + batch) }));
    }
  }

  /** A user by username (with or without "@"); NotFound from the server when there is none. */
  async byUsername(username: string): Promise<User> {
    const res = await this.users.getUsers({ usernames: [username.replace(/^@/, "")] });
    this.remember(res);
    return res.users[0]!;
  }

  /**
   * Users whose username or display name starts with `query` (UserService.SearchUsers), the first
   * `limit` of them by username; each is remembered like a lookup.
   */
  async search(query: string, limit: number): Promise<User[]> {
    const res = await this.users.searchUsers({ query, pageSize: limit });
    this.remember(res);
    return res.users;
  }

  private remember(res: { users: User[]; presence: Presence[] }): void {
    res.users.forEach((user, i) => {
      this.byId.set(user.id, user);
      const presence = res.presence[i];
      if (presence) this.presenceById.set(user.id, presence);
    });
  }
}
