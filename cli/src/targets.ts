import { Code, ConnectError } from "@connectrpc/connect";
import type { ChatClients } from "@chat/client";
import type { Conversation } from "@chat/gen/chat/v1/conversation_pb.js";

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The conversation a command names: `@user` (the direct conversation, created on first use), `@me`
 * (the note to self of the caller, whose id is `me`; no username is that short), a conversation id,
 * or the exact name of one of the caller's groups.
 */
export async function resolveConversation(clients: ChatClients, target: string, me: string): Promise<Conversation> {
  if (target.toLowerCase() === "@me") return (await clients.conversations.getOrCreateDirect({ userId: me })).conversation!;
  if (target.startsWith("@")) {
    return (await clients.conversations.getOrCreateDirect({ username: target.slice(1) })).conversation!;
  }
  if (uuid.test(target)) return (await clients.conversations.getConversation({ conversationId: target })).conversation!;
  const { conversations } = await clients.conversations.listConversations({});
  const named = conversations.filter((c) => c.name.toLowerCase() === target.toLowerCase());
  if (named.length === 1) return named[0]!;
  if (named.length > 1) throw new ConnectError(`${named.length} groups are named "${target}": use the conversation id (see \`chat ls\`)`, Code.FailedPrecondition);
  throw new ConnectError(`no conversation "${target}": give @username, a conversation id or a group name`, Code.NotFound);
}
