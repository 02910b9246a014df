import type { ConnectRouter } from "@connectrpc/connect";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { BotService } from "@chat/gen/chat/v1/bot_pb.js";
import { callerOf } from "../auth/interceptor.ts";
import type { BotTokenInfo } from "../core/bots/bots.ts";
import type { Chat } from "../core/chat.ts";
import { toUser } from "../core/convert.ts";

/** chat.v1.BotService: a person's bots and their API tokens. */
export function registerBotService(router: ConnectRouter, chat: Chat): void {
  router.service(BotService, {
    async createBot(req, ctx) {
      const { user, bot } = await chat.bots.create(callerOf(ctx), req.username, req.displayName);
      return { bot: toUser(user, bot.ownerId) };
    },
    async listBots(_req, ctx) {
      return { bots: (await chat.bots.list(callerOf(ctx))).map(({ user, bot }) => toUser(user, bot.ownerId)) };
    },
    async createBotToken(req, ctx) {
      const { token, info } = await chat.bots.createToken(callerOf(ctx), req);
      return { token, info: toBotToken(info) };
    },
    async listBotTokens(req, ctx) {
      return { tokens: (await chat.bots.listTokens(callerOf(ctx), req.botId)).map(toBotToken) };
    },
    async revokeBotToken(req, ctx) {
      await chat.bots.revokeToken(callerOf(ctx), req.botId, req.tokenId);
      return {};
    },
  });
}

const toBotToken = (t: BotTokenInfo) => ({ ...t, createdAt: timestampFromDate(t.createdAt) });
