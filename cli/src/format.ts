import { timestampDate } from "@bufbuild/protobuf/wkt";
import { toJson } from "@bufbuild/protobuf";
import { type Conversation, ConversationKind } from "@chat/gen/chat/v1/conversation_pb.js";
import { type Message, MessageSchema } from "@chat/gen/chat/v1/message_pb.js";
import type { UserDirectory } from "@chat/client";

/** What a person calls a conversation: the group's name, or the other member of a direct one. */
export function conversationTitle(c: Conversation, me: string, users: UserDirectory): string {
  if (c.kind === ConversationKind.GROUP) return c.name || "(unnamed group)";
  const other = c.members.find((m) => m.userId !== me)?.userId ?? me;
  return users.name(other);
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

/** One message as a line of text: `2025-11-25 08:45 @alice: hello`. */
export function messageLine(m: Message, users: UserDirectory): string {
  return `${formatTime(sentAt(m), "date")} ${users.name(m.senderId)}: ${m.text}`;
}

/** One message as one line of JSON (the API's JSON form, plus the sender's username). */
export function messageJson(m: Message, users: UserDirectory): string {
  return JSON.stringify({ ...(toJson(MessageSchema, m) as object), senderUsername: users.get(m.senderId)?.username ?? "" });
}
