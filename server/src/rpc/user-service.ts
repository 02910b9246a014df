import type { ConnectRouter } from "@connectrpc/connect";
import { UserService } from "@chat/gen/chat/v1/user_pb.js";
import { callerOf } from "../auth/interceptor.ts";
import type { Chat } from "../core/chat.ts";
import { toUser } from "../core/convert.ts";

/** chat.v1.UserService: looking users up, with their presence. */
export function registerUserService(router: ConnectRouter, chat: Chat): void {
  router.service(UserService, {
    async getUsers(req, ctx) {
      callerOf(ctx);
      const users = await chat.directory.lookup(req.userIds, req.usernames);
      return { users: users.map(toUser), presence: await chat.presence.get(users.map((u) => u.id)) };
    },
  });
}
