import type { ConnectRouter } from "@connectrpc/connect";
import { UserService } from "@chat/gen/chat/v1/user_pb.js";
import { callerOf } from "../auth/interceptor.ts";
import type { Chat } from "../core/chat.ts";
import { toUser } from "../core/convert.ts";

/** chat.v1.UserService: looking users up, with their presence (for contacts only). */
export function registerUserService(router: ConnectRouter, chat: Chat): void {
  router.service(UserService, {
    async getUsers(req, ctx) {
      const caller = callerOf(ctx);
      const users = await chat.directory.lookup(req.userIds, req.usernames);
      const ids = users.map((u) => u.id);
      const owners = await chat.bots.ownersOf(ids);
      return { users: users.map((u) => toUser(u, owners.get(u.id))), presence: await chat.presence.seenBy(caller.userId, ids) };
    },
  });
}
