import type { ConnectRouter } from "@connectrpc/connect";
import { HistoryService } from "@chat/gen/chat/v1/message_pb.js";
import { callerOf } from "../auth/interceptor.ts";
import type { Chat } from "../core/chat.ts";

/** chat.v1.HistoryService: paging through a conversation by seq. */
export function registerHistoryService(router: ConnectRouter, chat: Chat): void {
  router.service(HistoryService, {
    listMessages: (req, ctx) => chat.messages.history(callerOf(ctx), req),
  });
}
