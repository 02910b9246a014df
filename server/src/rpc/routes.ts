import type { ConnectRouter } from "@connectrpc/connect";
import type { Chat } from "../core/chat.ts";
import { registerAuthService } from "./auth-service.ts";
import { registerBotService } from "./bot-service.ts";
import { registerConversationService } from "./conversation-service.ts";
import { registerHistoryService } from "./history-service.ts";
import { registerLiveService } from "./live-service.ts";
import { registerSearchService } from "./search-service.ts";
import { registerUserService } from "./user-service.ts";

/** Every chat.v1 service, for `connectNodeAdapter({ routes })`. */
export function chatRoutes(chat: Chat): (router: ConnectRouter) => void {
  return (router) => {
    registerAuthService(router, chat);
    registerUserService(router, chat);
    registerConversationService(router, chat);
    registerHistoryService(router, chat);
    registerLiveService(router, chat);
    registerBotService(router, chat);
    registerSearchService(router, chat);
  };
}
