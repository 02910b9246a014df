import { type Client, createClient, type Interceptor, type Transport } from "@connectrpc/connect";
import { ConversationService } from "@chat/gen/chat/v1/conversation_pb.js";
import { FileService } from "@chat/gen/chat/v1/file_pb.js";
import { LiveService } from "@chat/gen/chat/v1/live_pb.js";
import { HistoryService } from "@chat/gen/chat/v1/message_pb.js";
import { PushService } from "@chat/gen/chat/v1/push_pb.js";
import { SearchService } from "@chat/gen/chat/v1/search_pb.js";
import { AuthService, UserService } from "@chat/gen/chat/v1/user_pb.js";

/** One typed client per service of the chat API, all on the same transport. */
export interface ChatClients {
  auth: Client<typeof AuthService>;
  users: Client<typeof UserService>;
  conversations: Client<typeof ConversationService>;
  history: Client<typeof HistoryService>;
  live: Client<typeof LiveService>;
  /** Uploads; the bytes are fetched over HTTP at /v1/files/{id} (see file.proto). */
  files: Client<typeof FileService>;
  /** Full-text search over the caller's messages (see `MessageSearch`). */
  search: Client<typeof SearchService>;
  /** Push endpoints and notification settings (see search.proto and push.proto). */
  push: Client<typeof PushService>;
}

/**
 * Creates the clients of every chat service on one transport. The transport decides the protocol
 * (gRPC over HTTP/2 in Node, Connect or gRPC-Web in a browser) and carries the credentials: build it
 * with the {@link bearer} interceptor once logged in.
 */
export function createChatClients(transport: Transport): ChatClients {
  return {
    auth: createClient(AuthService, transport),
    users: createClient(UserService, transport),
    conversations: createClient(ConversationService, transport),
    history: createClient(HistoryService, transport),
    live: createClient(LiveService, transport),
    files: createClient(FileService, transport),
    search: createClient(SearchService, transport),
    push: createClient(PushService, transport),
  };
}

/**
 * Adds `authorization: Bearer <token>` to every call. The token is read per call, so a function
 * lets a client log in (or out) without building a new transport.
 */
export function bearer(token: string | (() => string | undefined)): Interceptor {
  const current = typeof token === "function" ? token : () => token;
  return (next) => (req) => {
    const value = current();
    if (value) req.header.set("authorization", `Bearer ${value}`);
    return next(req);
  };
}
