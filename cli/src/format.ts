import { timestampDate } from "@bufbuild/protobuf/wkt";
import { type Conversation, ConversationKind, Role } from "@chat/gen/chat/v1/conversation_pb.js";
import type { Message } from "@chat/gen/chat/v1/message_pb.js";
import type { Presence, User } from "@chat/gen/chat/v1/user_pb.js";
import type { UserDirectory } from "@chat/client";

/** What a person calls a conversation: the group's name, or the other member of a direct one. */
export function conversationTitle(c: Conversation, me: string, users: UserDirectory): string {
  if (c.kind === ConversationKind.GROUP) return c.name || "(unnamed group)";
  const other = c.members.find((m) => m.userId !== me)?.userId;
  return other ? users.name(other) : "Note to self";
}

/** `@name`, with ` [bot]` after a bot's, as the interactive client shows it. */
export function shownName(userId: string, users: UserDirectory): string {
  return `${users.name(userId)}${users.get(userId)?.bot ? " [bot]" : ""}`;
}

/** The other member of a direct conversation; undefined for groups. */
export function directPeer(c: Conversation, me: string): string | undefined {
  if (c.kind !== ConversationKind.DIRECT) return undefined;
  return c.members.find((m) => m.userId !== me)?.userId;
}

/** "HH:MM", or "YYYY-MM-DD HH:MM" when `withDate`, in local time. */
export function formatTime(date: Date, withDate: "date" | "time"): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  const time = `${pad(date.getHours())}:${pad(date.getMinutes())}`;
  return withDate === "date" ? `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${time}` : time;
}

/** When the server accepted a message. */
export function sentAt(m: Message): Date {
  return m.sentAt ? timestampDate(m.sentAt) : new Date(0);
}

/** One message as a line of text: `2025-11-25 08:45 @alice: hello` (`@echo [bot]: …` for a bot). */
export function messageLine(m: Message, users: UserDirectory): string {
  return `${formatTime(sentAt(m), "date")} ${shownName(m.senderId, users)}: ${m.text}`;
}

/*
 * `--json` prints what a script wants to read, the way a person reads it: usernames (without "@"),
 * "direct" and "group", "owner", numbers as numbers and times as ISO 8601; ids stay beside the names
 * (`senderId`) for scripts that pass them on.
 */

/** The fields of a message in `--json`. */
function messageFields(m: Message, users: UserDirectory) {
  return {
    seq: Number(m.seq), sender: users.get(m.senderId)?.username ?? "", ...(users.get(m.senderId)?.bot ? { senderIsBot: true } : {}),
    text: m.text, sentAt: sentAt(m).toISOString(), senderId: m.senderId,
  };
}

/** One message as one line of JSON. */
export function messageJson(m: Message, users: UserDirectory, conversation?: string): string {
  return JSON.stringify({ ...(conversation ? { conversation } : {}), ...messageFields(m, users), conversationId: m.conversationId });
}

const roleNames: Partial<Record<Role, string>> = { [Role.OWNER]: "owner", [Role.ADMIN]: "admin", [Role.MEMBER]: "member" };

/** One conversation as one line of JSON. */
export function conversationJson(c: Conversation, me: string, users: UserDirectory): string {
  return JSON.stringify({
    title: conversationTitle(c, me, users).replace(/^@/, ""),
    kind: c.kind === ConversationKind.GROUP ? "group" : "direct",
    members: c.members.map((m) => ({ username: users.get(m.userId)?.username ?? "", role: roleNames[m.role] ?? "member", ...(users.get(m.userId)?.bot ? { bot: true } : {}), id: m.userId })),
    unread: Number(c.unreadCount),
    lastSeq: Number(c.lastSeq),
    ...(c.lastMessage ? { lastMessage: messageFields(c.lastMessage, users) } : {}),
    id: c.id,
  });
}

/** One user as one line of JSON. */
export function userJson(u: User, presence: Presence | undefined): string {
  const lastSeen = presence?.lastSeen ? timestampDate(presence.lastSeen).toISOString() : undefined;
  return JSON.stringify({ username: u.username, displayName: u.displayName, ...(u.bot ? { bot: true } : {}), online: presence?.online === true, ...(lastSeen ? { lastSeen } : {}), id: u.id });
}

/** "@echo (Echo) · bot · online": one user found by a search. */
export function userLine(u: User, presence: Presence | undefined): string {
  const name = u.displayName && u.displayName !== u.username ? ` (${u.displayName})` : "";
  return `@${u.username}${name}${u.bot ? " · bot" : ""}${presence?.online ? " · online" : ""}`;
}
