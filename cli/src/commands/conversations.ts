import { UserDirectory } from "@chat/client";
import { toJson } from "@bufbuild/protobuf";
import { ConversationKind, ConversationSchema } from "@chat/gen/chat/v1/conversation_pb.js";
import { connectLoggedIn } from "../connection.ts";
import { conversationTitle, directPeer } from "../format.ts";
import type { GlobalOptions } from "./auth.ts";

/** `chat ls`: the caller's conversations, most recently active first. */
export async function listConversations(options: GlobalOptions & { json?: boolean }): Promise<void> {
  const { clients, config } = await connectLoggedIn(options);
  const { conversations } = await clients.conversations.listConversations({});
  if (options.json) {
    for (const c of conversations) console.log(JSON.stringify(toJson(ConversationSchema, c)));
    return;
  }
  const users = new UserDirectory(clients.users);
  await users.load(conversations.flatMap((c) => c.members.map((m) => m.userId)));
  for (const c of conversations) {
    const peer = directPeer(c, config.userId);
    const online = peer && users.presence(peer)?.online ? " ●" : "";
    const kind = c.kind === ConversationKind.GROUP ? `group of ${c.members.length}` : "direct";
    const unread = c.unreadCount > 0n ? ` (${c.unreadCount} unread)` : "";
    const last = c.lastMessage ? `  ${users.name(c.lastMessage.senderId)}: ${oneLine(c.lastMessage.text, 50)}` : "";
    console.log(`${c.id}  ${conversationTitle(c, config.userId, users)}${online}  [${kind}]${unread}${last}`);
  }
}

/** The first line of a text, cut to `max` characters. */
export function oneLine(text: string, max: number): string {
  const line = text.split("\n")[0] ?? "";
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
