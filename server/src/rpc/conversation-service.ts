import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { ConnectRouter } from "@connectrpc/connect";
import { ConversationService } from "@chat/gen/chat/v1/conversation_pb.js";
import { callerOf } from "../auth/interceptor.ts";
import type { Chat } from "../core/chat.ts";

/** chat.v1.ConversationService: direct conversations, groups and membership. */
export function registerConversationService(router: ConnectRouter, chat: Chat): void {
  const c = chat.conversations;
  router.service(ConversationService, {
    getOrCreateDirect: (req, ctx) => c.getOrCreateDirect(callerOf(ctx), req),
    async createGroup(req, ctx) {
      return { conversation: await c.createGroup(callerOf(ctx), req.name, req.memberIds, req.memberUsernames) };
    },
    async getConversation(req, ctx) {
      return { conversation: await c.get(callerOf(ctx), req.conversationId) };
    },
    async listConversations(_req, ctx) {
      return { conversations: await c.list(callerOf(ctx)) };
    },
    async addMembers(req, ctx) {
      return { conversation: await c.addMembers(callerOf(ctx), req.conversationId, req.userIds, req.usernames) };
    },
    async removeMember(req, ctx) {
      await c.removeMember(callerOf(ctx), req.conversationId, req.userId);
      return {};
    },
    async setRole(req, ctx) {
      return { conversation: await c.setRole(callerOf(ctx), req.conversationId, req.userId, req.role) };
    },
    async leaveConversation(req, ctx) {
      await c.leave(callerOf(ctx), req.conversationId);
      return {};
    },
    async muteConversation(req, ctx) {
      return { conversation: await c.mute(callerOf(ctx), req.conversationId, req.muted, req.muted && req.until ? timestampDate(req.until) : undefined) };
    },
  });
}
