import type { ConnectRouter } from "@connectrpc/connect";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { AuthService } from "@chat/gen/chat/v1/user_pb.js";
import { callerOf } from "../auth/interceptor.ts";
import { originOf } from "../transport/raw-request.ts";
import type { Chat } from "../core/chat.ts";
import { toUser } from "../core/convert.ts";

/** chat.v1.AuthService: register, login, logout and device sessions. */
export function registerAuthService(router: ConnectRouter, chat: Chat): void {
  router.service(AuthService, {
    async register(req, ctx) {
      const { user, token, deviceId } = await chat.accounts.register(req, originOf(ctx));
      return { user: toUser(user), token, deviceId };
    },
    async login(req, ctx) {
      const { user, token, deviceId } = await chat.accounts.login(req, originOf(ctx));
      return { user: toUser(user), token, deviceId };
    },
    async logout(_req, ctx) {
      const caller = callerOf(ctx);
      await chat.accounts.revoke(caller, caller.deviceId);
      return {};
    },
    async whoAmI(_req, ctx) {
      const caller = callerOf(ctx);
      const user = await chat.accounts.whoAmI(caller);
      return { user: toUser(user, (await chat.bots.ownersOf([user.id])).get(user.id)), deviceId: caller.deviceId };
    },
    async listSessions(_req, ctx) {
      const caller = callerOf(ctx);
      const devices = await chat.accounts.listSessions(caller);
      return { sessions: devices.map((d) => ({
        deviceId: d.deviceId, deviceName: d.deviceName, createdAt: timestampFromDate(d.createdAt), current: d.deviceId === caller.deviceId,
        ...(d.lastUsedAt ? { lastUsedAt: timestampFromDate(d.lastUsedAt) } : {}),
      })) };
    },
    async changePassword(req, ctx) {
      return { revokedSessions: await chat.accounts.changePassword(callerOf(ctx), req, originOf(ctx)) };
    },
    async revokeSession(req, ctx) {
      await chat.accounts.revoke(callerOf(ctx), req.deviceId);
      return {};
    },
  });
}
