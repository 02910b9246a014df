import type { ConnectRouter } from "@connectrpc/connect";
import { type Presence, type User, UserService } from "@chat/gen/chat/v1/user_pb.js";
import { callerOf } from "../auth/interceptor.ts";
import type { Chat } from "../core/chat.ts";
import { toUser } from "../core/convert.ts";
import type { UserRecord } from "../engines/store/interface.ts";

/**
 * chat.v1.UserService: looking users up and searching for them, with their presence (for contacts
 * only), and setting one's own status (rate-limited per user by the throttle interceptor).
 */
export function registerUserService(router: ConnectRouter, chat: Chat): void {
  /** Users as `viewer` sees them (bots marked), with their presence in the same order (only contacts' is told). */
  const shown = async (viewer: string, users: UserRecord[]): Promise<{ users: User[]; presence: Presence[] }> => {
    const ids = users.map((u) => u.id);
    const owners = await chat.bots.ownersOf(ids);
    return { users: users.map((u) => toUser(u, owners.get(u.id))), presence: await chat.presence.seenBy(viewer, ids) };
  };
  router.service(UserService, {
    async getUsers(req, ctx) {
      return shown(callerOf(ctx).userId, await chat.directory.lookup(req.userIds, req.usernames));
    },
    async searchUsers(req, ctx) {
      const caller = callerOf(ctx);
      const page = await chat.directory.search(req.query, req.pageSize, req.pageToken);
      return { ...(await shown(caller.userId, page.users)), nextPageToken: page.nextPageToken };
    },
    async setStatus(req, ctx) {
      return { presence: await chat.presence.setStatus(callerOf(ctx).userId, req) };
    },
  });
}
