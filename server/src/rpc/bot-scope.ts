import type { DescMethod } from "@bufbuild/protobuf";
import type { Interceptor } from "@connectrpc/connect";
import { ConversationService } from "@chat/gen/chat/v1/conversation_pb.js";
import { LiveService, type ServerFrame, type StreamRequest } from "@chat/gen/chat/v1/live_pb.js";
import { UserService } from "@chat/gen/chat/v1/user_pb.js";
import { callerKey } from "../auth/interceptor.ts";
import type { Bots } from "../core/bots/bots.ts";
import type { Caller, TokenScope } from "../core/caller.ts";
import { permissionDenied } from "../core/errors.ts";

/** A method's path, "chat.v1.LiveService/SendMessage". */
const path = (m: DescMethod) => `${m.parent.typeName}/${m.name}`;

/** Calls that change what others see: a read-only bot token may not make them. */
const writeMethods = new Set<string>([
  LiveService.method.sendMessage, LiveService.method.setTyping, UserService.method.setStatus,
  LiveService.method.editMessage, LiveService.method.deleteMessage, LiveService.method.setReaction,
  ...ConversationService.methods.filter((m) => !["getConversation", "listConversations"].includes(m.localName)),
].map(path));

/** Calls that make a new conversation, which a token limited to some conversations cannot reach. */
const creatingMethods = new Set([ConversationService.method.getOrCreateDirect, ConversationService.method.createGroup].map(path));

/**
 * Holds bot tokens to their scope (see BotService) on every unary and server-streaming call: writes
 * need a read/write token, a conversation outside the token's list is PermissionDenied, and a bot's
 * sends take from its own rate limit. The bidirectional Stream checks each frame with
 * {@link frameRefusal} instead, so that a refused frame gets a FrameError and the stream stays open.
 * Runs after the auth interceptor, which sets the caller.
 */
export function botScopeInterceptor(bots: Bots): Interceptor {
  return (next) => async (req) => {
    const caller = req.contextValues.get(callerKey);
    if (!caller?.scope || req.method.methodKind === "bidi_streaming") return next(req);
    const method = path(req.method);
    const message = req.stream ? undefined : (req.message as { conversationId?: unknown });
    if (writeMethods.has(method) && !caller.scope.canWrite) throw readOnly();
    if (creatingMethods.has(method) && caller.scope.conversationIds.size > 0) {
      throw permissionDenied("this bot token is limited to some conversations and may not start new ones");
    }
    if (typeof message?.conversationId === "string") requireConversation(caller.scope, message.conversationId);
    if (req.method === LiveService.method.sendMessage) await bots.takeSend(caller);
    const res = await next(req);
    // A limited token lists only its conversations.
    const list = res.message as { conversations?: { id: string }[] };
    if (!res.stream && caller.scope.conversationIds.size > 0 && Array.isArray(list.conversations)) {
      list.conversations = list.conversations.filter((c) => caller.scope!.conversationIds.has(c.id));
    }
    return res;
  };
}

/** Why a bot token may not send this Stream frame, or undefined when it may. */
export async function frameRefusal(caller: Caller, req: StreamRequest, bots: Bots): Promise<Error | undefined> {
  const { scope } = caller;
  if (!scope) return undefined;
  try {
    const f = req.frame;
    const writes = f.case === "send" || f.case === "typing" || f.case === "edit" || f.case === "delete" || f.case === "reaction";
    if (writes && !scope.canWrite) throw readOnly();
    if (writes || f.case === "markRead" || f.case === "markDelivered") {
      requireConversation(scope, f.value.conversationId);
    }
    if (f.case === "resume") for (const c of f.value.cursors) requireConversation(scope, c.conversationId);
    if (f.case === "send") await bots.takeSend(caller);
    return undefined;
  } catch (err) {
    return err as Error;
  }
}

/** Whether a server frame may go to a stream opened with this caller's token. */
export function frameVisible(caller: Caller, frame: ServerFrame): boolean {
  const ids = caller.scope?.conversationIds;
  if (!ids || ids.size === 0) return true;
  const f = frame.frame;
  switch (f.case) {
    case "message":
    case "receipt":
    case "typing":
      return ids.has(f.value.conversationId);
    case "membership":
      return ids.has(f.value.conversation?.id ?? "");
    default:
      return true;
  }
}

function requireConversation(scope: TokenScope, conversationId: string): void {
  if (scope.conversationIds.size > 0 && conversationId !== "" && !scope.conversationIds.has(conversationId)) {
    throw permissionDenied(`this bot token may not reach conversation ${conversationId}; its owner can issue one that may`);
  }
}

const readOnly = () => permissionDenied("this bot token is read-only; its owner can issue one with can_write");
