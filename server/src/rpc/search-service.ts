import type { ConnectRouter } from "@connectrpc/connect";
import { SearchService } from "@chat/gen/chat/v1/search_pb.js";
import { callerOf } from "../auth/interceptor.ts";
import type { Chat } from "../core/chat.ts";

/** chat.v1.SearchService: full-text search over the caller's conversations (core/search/search.ts). */
export function registerSearchService(router: ConnectRouter, chat: Chat): void {
  router.service(SearchService, {
    searchMessages: (req, ctx) => chat.search.search(callerOf(ctx), req),
  });
}
