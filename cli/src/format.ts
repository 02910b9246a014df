import { timestampDate } from "@bufbuild/protobuf/wkt";
import { type Conversation, ConversationKind, Role } from "@chat/gen/chat/v1/conversation_pb.js";
import type { Message } from "@chat/gen/chat/v1/message_pb.js";
import type { Presence, User } from "@chat/gen/chat/v1/user_pb.js";
import {
  initialChatState, type ShownMessage, shownMessage, statusLabel, statusOf, statusTextAt, systemEventText, type UserDirectory, updateOf,
} from "@chat/client";
import { bodyText, fileLine, quoteLine, reactionsLine } from "./message-text.ts";

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

/**
 * One message as text: `#3 2025-11-25 08:45 @alice: hello` (`@echo [bot]: …` for a bot), a reply
 * with its parent quoted in brackets, "(edited)", "message deleted", a system event as
 * `#4 2025-11-25 08:46 · @alice added @carol`; then a line per file and one for the reactions,
 * indented. An update entry reads as the message it changed, as it is now (see {@link shownOf}).
 */
export function messageLine(m: Message, users: UserDirectory): string {
  const shown = shownOf(m);
  const head = `#${shown.seq} ${formatTime(shown.sentAt, "date")}`;
  if (shown.system) return `${head} · ${systemEventText(namesOf(users, userIdsOf(m)), shown.system)}`;
  const quote = shown.replyTo ? `[${quoteLine(shown.replyTo, (id) => users.name(id))}] ` : "";
  const lines = [`${head} ${shownName(shown.senderId, users)}: ${quote}${bodyText(shown)}`];
  for (const a of shown.attachments) lines.push(`    ${fileLine(a)}`);
  if (shown.reactions.length > 0) lines.push(`    ${reactionsLine(shown.reactions)}`);
  return lines.join("\n");
}

/** What a message shows: itself, or for an update entry the message it changed (never the entry). */
export function shownOf(m: Message): ShownMessage {
  return updateOf(m)?.target ?? shownMessage(m);
}

/** Every user a message names (to look their names up first): sender, quoted author, reactors, system event. */
export function userIdsOf(m: Message): string[] {
  const s = shownOf(m);
  return [s.senderId, ...(s.replyTo ? [s.replyTo.senderId] : []), ...s.reactions.flatMap((r) => r.userIds), ...(s.system ? [s.system.actorId, ...s.system.userIds] : []), ...s.mentionIds].filter(Boolean);
}

/** The usernames of `ids`, as the shared selectors read them (nobody is "you" in a script's output). */
function namesOf(users: UserDirectory, ids: string[]) {
  const names = Object.fromEntries(ids.flatMap((id) => (users.get(id) ? [[id, users.get(id)!.username]] : [])));
  return { ...initialChatState(""), names };
}

/*
 * `--json` prints what a script wants to read, the way a person reads it: usernames (without "@"),
 * "direct" and "group", "owner", numbers as numbers and times as ISO 8601; ids stay beside the names
 * (`senderId`) for scripts that pass them on.
 */

/** The fields of a message in `--json` (an update entry: the message it changed, as it is now). */
function messageFields(m: Message, users: UserDirectory) {
  const s = shownOf(m);
  const username = (id: string) => users.get(id)?.username ?? "";
  return {
    seq: Number(s.seq), sender: username(s.senderId), ...(users.get(s.senderId)?.bot ? { senderIsBot: true } : {}),
    text: s.text, sentAt: s.sentAt.toISOString(), senderId: s.senderId,
    ...(s.editedAt ? { editedAt: s.editedAt.toISOString() } : {}),
    ...(s.deleted ? { deleted: true } : {}),
    ...(s.replyTo ? { replyTo: { seq: Number(s.replyTo.seq), sender: username(s.replyTo.senderId), text: s.replyTo.text, ...(s.replyTo.deleted ? { deleted: true } : {}) } } : {}),
    ...(s.mentionIds.length || s.mentionsAll ? { mentions: [...s.mentionIds.map(username), ...(s.mentionsAll ? ["all"] : [])] } : {}),
    ...(s.attachments.length ? { attachments: s.attachments.map(({ id, fileName, contentType, size, width, height }) => ({ fileName, contentType, size, ...(width ? { width, height } : {}), id })) } : {}),
    ...(s.reactions.length ? { reactions: s.reactions.map((r) => ({ emoji: r.emoji, count: r.count, users: r.userIds.map(username) })) } : {}),
    ...(s.system ? { system: { kind: s.system.kind, actor: username(s.system.actorId), users: s.system.userIds.map(username), ...(s.system.groupName ? { groupName: s.system.groupName } : {}) } } : {}),
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
    unreadMentions: Number(c.unreadMentionCount),
    lastSeq: Number(c.lastSeq),
    ...(c.lastMessage ? { lastMessage: messageFields(c.lastMessage, users) } : {}),
    id: c.id,
  });
}

/** One user as one line of JSON. */
export function userJson(u: User, presence: Presence | undefined): string {
  const lastSeen = presence?.lastSeen ? timestampDate(presence.lastSeen).toISOString() : undefined;
  const status = presence ? statusOf(presence) : undefined;
  const text = statusTextAt(status, Date.now());
  return JSON.stringify({
    username: u.username, displayName: u.displayName, ...(u.bot ? { bot: true } : {}), online: presence?.online === true, ...(lastSeen ? { lastSeen } : {}),
    ...(presence?.online && status ? { availability: status.availability } : {}), ...(text ? { statusText: text } : {}), id: u.id,
  });
}

/** "@echo (Echo) · bot · online": one user found by a search. */
export function userLine(u: User, presence: Presence | undefined): string {
  const name = u.displayName && u.displayName !== u.username ? ` (${u.displayName})` : "";
  const status = presence ? statusLabel(statusOf(presence), presence.online, Date.now()) : "";
  return `@${u.username}${name}${u.bot ? " · bot" : ""}${presence?.online ? " · online" : ""}${status ? ` · ${status}` : ""}`;
}
