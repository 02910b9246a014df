import type { Message } from "@chat/gen/chat/v1/message_pb.js";
import type { MemberRecord, NewMessage, Store } from "../../engines/store/interface.ts";

/**
 * "@name" tokens: an "@" at the start or after a character that cannot end a name (so that
 * "bob@example.com" names nobody), then a name's characters. A name ends before trailing dots
 * ("hi @bob." names bob), and is compared lower-case (usernames are lower-case).
 */
const token = /(?<![A-Za-z0-9_.@-])@([A-Za-z0-9_.-]+)/g;
const usernameForm = /^[a-z0-9_.-]{3,32}$/;
/** Distinct names looked up per text at most: a text of a thousand "@x" costs a bounded number of reads. */
export const maxMentionCandidates = 32;

/** The names a text mentions, lower-case, each once, in order of first appearance ("all" included). */
export function mentionTokens(text: string): string[] {
  if (!text.includes("@")) return [];
  const names = new Set<string>();
  for (const match of text.matchAll(token)) {
    const name = match[1]!.replace(/\.+$/, "").toLowerCase();
    if (name === "all" || usernameForm.test(name)) names.add(name);
    if (names.size >= maxMentionCandidates) break;
  }
  return [...names];
}

/** One mention, in the order of the text: a member, or everyone ("@all"). */
export type Mention = { userId: string; all: false } | { userId: ""; all: true };

/**
 * The mentions of a text sent by `senderId` among `members`: members named "@username" (each once,
 * in order of first appearance) and "@all" when the sender is an admin or owner (only groups have
 * those roles). A name that is no member, and "@all" from anyone else, stay plain text.
 *
 * Reads one user per distinct name (at most {@link maxMentionCandidates}), and nothing at all for a
 * text without "@": the common send pays nothing.
 */
export async function findMentions(store: Pick<Store, "getUserByUsername">, text: string, senderId: string, members: readonly MemberRecord[]): Promise<Mention[]> {
  const names = mentionTokens(text);
  if (names.length === 0) return [];
  const roles = new Map(members.map((m) => [m.userId, m.role]));
  const senderRole = roles.get(senderId);
  const resolved = await Promise.all(names.map(async (name): Promise<Mention | undefined> => {
    if (name === "all") return senderRole === "owner" || senderRole === "admin" ? { userId: "", all: true } : undefined;
    const user = await store.getUserByUsername(name);
    return user && roles.has(user.id) ? { userId: user.id, all: false } : undefined;
  }));
  return resolved.filter((m): m is Mention => m !== undefined);
}

/**
 * What the store indexes of a new message for unread counts (see UnreadStore): system events and
 * update entries are not countable, and the mentions of a text or caption are indexed.
 */
export function unreadIndexOf(content: Message["content"]): Pick<NewMessage, "countable" | "mentions"> {
  if (content.case === "systemEvent" || content.case === "update") return { countable: false };
  const text = content.case === "textContent" ? content.value : content.case === "attachmentContent" ? content.value.caption : undefined;
  const mentions = text?.mentions ?? [];
  if (mentions.length === 0) return {};
  return { mentions: { userIds: mentions.filter((m) => !m.all).map((m) => m.userId), all: mentions.some((m) => m.all) } };
}
