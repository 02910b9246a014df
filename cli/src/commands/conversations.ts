import { messageSummary, statusLabel, statusOf, UserDirectory } from "@chat/client";
import type { Message } from "@chat/gen/chat/v1/message_pb.js";
import { ConversationKind } from "@chat/gen/chat/v1/conversation_pb.js";
import { connectLoggedIn } from "../connection.ts";
import { conversationJson, conversationTitle, directPeer, shownName, shownOf, userJson, userLine } from "../format.ts";
import { oneLine } from "../message-text.ts";
import type { GlobalOptions } from "./auth.ts";

/** `chat ls`: the caller's conversations, most recently active first. */
export async function listConversations(options: GlobalOptions & { json?: boolean }): Promise<void> {
  const { clients, config } = await connectLoggedIn(options);
  const { conversations } = await clients.conversations.listConversations({});
  const users = new UserDirectory(clients.users);
  await users.load(conversations.flatMap((c) => [...c.members.map((m) => m.userId), ...(c.lastMessage ? [c.lastMessage.senderId] : [])]));
  if (options.json) {
    for (const c of conversations) console.log(conversationJson(c, config.userId, users));
    return;
  }
  for (const c of conversations) {
    const peer = directPeer(c, config.userId);
    const presence = peer ? users.presence(peer) : undefined;
    const online = presence?.online ? " ●" : "";
    const status = presence ? statusLabel(statusOf(presence), presence.online, Date.now()) : "";
    const kind = c.kind === ConversationKind.GROUP ? `group of ${c.members.length}` : "direct";
    const mentions = c.unreadMentionCount > 0n ? `, ${c.unreadMentionCount} mention${c.unreadMentionCount === 1n ? "" : "s"}` : "";
    const unread = c.unreadCount > 0n || mentions ? ` (${c.unreadCount} unread${mentions})` : "";
    const last = c.lastMessage ? `  ${shownName(c.lastMessage.senderId, users)}: ${oneLine(lastText(c.lastMessage), 50)}` : "";
    console.log(`${c.id}  ${conversationTitle(c, config.userId, users)}${peer && users.get(peer)?.bot ? " [bot]" : ""}${online}${status ? ` ${status}` : ""}  [${kind}]${unread}${last}`);
  }
}

/** `chat users <prefix>`: who is there, by the start of a username or display name (to start a conversation with). */
export async function searchUsers(query: string, options: GlobalOptions & { json?: boolean; limit: number }): Promise<void> {
  const { clients } = await connectLoggedIn(options);
  const { users, presence } = await clients.users.searchUsers({ query, pageSize: options.limit });
  if (users.length === 0 && !options.json) console.error(`nobody's name starts with "${query}"`);
  users.forEach((u, i) => console.log(options.json ? userJson(u, presence[i]) : userLine(u, presence[i])));
}

/** The last message as the list previews it (the one-line summary every client shows), "(edited)" after an edited one. */
function lastText(m: Message): string {
  const shown = shownOf(m);
  return shown.editedAt && !shown.deleted ? `${messageSummary(shown)} (edited)` : messageSummary(shown);
}
