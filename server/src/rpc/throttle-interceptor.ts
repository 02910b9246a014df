import type { DescMethod } from "@bufbuild/protobuf";
import type { Interceptor } from "@connectrpc/connect";
import { ConversationService } from "@chat/gen/chat/v1/conversation_pb.js";
import { LiveService } from "@chat/gen/chat/v1/live_pb.js";
import { SearchService } from "@chat/gen/chat/v1/search_pb.js";
import { UserService } from "@chat/gen/chat/v1/user_pb.js";
import { callerKey } from "../auth/interceptor.ts";
import type { BucketName, Throttle } from "../core/limits/throttle.ts";

/** The per-user limit of each call that opens a stream, changes a conversation or a status, or searches, and how errors name it. */
const limited = new Map<DescMethod, [BucketName, string]>([
  [LiveService.method.stream, ["streamOpenPerUser", "live streams opened"]],
  [LiveService.method.subscribe, ["streamOpenPerUser", "live streams opened"]],
  ...[
    ConversationService.method.getOrCreateDirect, ConversationService.method.createGroup, ConversationService.method.addMembers,
    ConversationService.method.removeMember, ConversationService.method.setRole, ConversationService.method.leaveConversation,
  ].map((m): [DescMethod, [BucketName, string]] => [m, ["groupOpPerUser", "conversation changes"]]),
  [UserService.method.setStatus, ["statusPerUser", "status changes"]],
  [SearchService.method.searchMessages, ["searchPerUser", "searches"]],
]);

/**
 * Takes a token per user before stream opens and conversation changes (after the auth interceptor,
 * which names the user). Sends and logins are limited in the core, where both protocols meet.
 */
export function throttleInterceptor(throttle: Throttle): Interceptor {
  return (next) => async (req) => {
    const rule = limited.get(req.method);
    const caller = req.contextValues.get(callerKey);
    if (rule && caller) await throttle.take(rule[0], caller.userId, rule[1]);
    return next(req);
  };
}
