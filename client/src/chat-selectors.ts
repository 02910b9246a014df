import { type ChatState, type ConversationState, conversationOrder } from "./chat-state.ts";

/**
 * What every chat screen derives from a {@link ChatState} the same way: names, titles, receipt
 * marks, who is typing. Each screen only lays these out.
 */

/** "@alice" once the username is known, else the start of the id. */
export function displayName(state: ChatState, userId: string): string {
  const username = state.names[userId];
  return username ? `@${username}` : userId.slice(0, 8);
}

/** The other member of a direct conversation (myself in a conversation with myself). */
export function peerOf(state: ChatState, c: ConversationState): string {
  return c.memberIds.find((id) => id !== state.me) ?? state.me;
}

/** "@bob" for a direct conversation, the name of a group, "Note to self" for the direct conversation with myself. */
export function titleOf(state: ChatState, c: ConversationState): string {
  if (c.kind === "group") return c.name || "(unnamed group)";
  const peer = peerOf(state, c);
  return peer === state.me ? "Note to self" : displayName(state, peer);
}

/** True for a bot account (its name is marked as a bot in both clients). */
export function isBot(state: ChatState, userId: string): boolean {
  return state.bots[userId] === true;
}

/** How far one of my messages got: stored, delivered to every other member, read by every other member. */
export type Receipt = "sent" | "delivered" | "read";

/** The receipt of my message `seq`: "read" only once every other member read it. */
export function receiptOf(state: ChatState, c: ConversationState, seq: bigint): Receipt {
  const others = c.memberIds.filter((id) => id !== state.me);
  if (others.length === 0) return "sent";
  if (others.every((id) => (c.marks[id]?.read ?? 0n) >= seq)) return "read";
  if (others.every((id) => (c.marks[id]?.delivered ?? 0n) >= seq)) return "delivered";
  return "sent";
}

/** "alice is typing…", "alice and bob are typing…", "3 people are typing…", or "". */
export function typingText(state: ChatState, c: ConversationState, now: number): string {
  const who = Object.entries(c.typing).filter(([id, until]) => until > now && id !== state.me).map(([id]) => displayName(state, id).replace(/^@/, ""));
  if (who.length === 0) return "";
  if (who.length === 1) return `${who[0]} is typing…`;
  if (who.length === 2) return `${who[0]} and ${who[1]} are typing…`;
  return `${who.length} people are typing…`;
}

/**
 * The newest seq of the open conversation past my read mark, or undefined when everything shown
 * there is read (update entries after the newest message included). A screen marks it read only while
 * the person can see the end of the conversation.
 */
export function unreadEnd(state: ChatState): { conversationId: string; seq: bigint } | undefined {
  const open = state.openId ? state.conversations[state.openId] : undefined;
  const last = open?.messages.at(-1);
  // Update entries after the newest message are read with it (they are never shown themselves).
  const end = open && last && open.appliedSeq > last.seq ? open.appliedSeq : last?.seq;
  if (!open || end === undefined || end <= (open.marks[state.me]?.read ?? 0n)) return undefined;
  return { conversationId: open.id, seq: end };
}

/**
 * The next conversation after the open one (in list order, wrapping) with unread messages, muted
 * ones last; undefined when nothing is unread. What Alt-A jumps to.
 */
export function nextUnread(state: ChatState): string | undefined {
  const order = conversationOrder(state);
  const at = order.findIndex((c) => c.id === state.openId);
  const after = [...order.slice(at + 1), ...order.slice(0, at + 1)].filter((c) => c.unread > 0 && c.id !== state.openId);
  return (after.find((c) => !state.muted[c.id]) ?? after[0])?.id;
}

/** Unread messages in conversations that are not muted: the count in the window title and the dock badge. */
export function unreadTotal(state: ChatState): number {
  return Object.values(state.conversations).reduce((sum, c) => sum + (state.muted[c.id] ? 0 : c.unread), 0);
}

/**
 * True when a new message should notify (a desktop notification, the terminal bell): someone else
 * wrote, the conversation is not muted, and the person is not looking at it (`watching` is the
 * conversation in front of them, undefined when the window is in the background).
 */
export function shouldNotify(state: ChatState, message: { conversationId: string; senderId: string }, watching: string | undefined): boolean {
  return message.senderId !== state.me && !state.muted[message.conversationId] && message.conversationId !== watching;
}

/**
 * How far my newest message got with each other member, by name ("read by @bob, @carol ·
 * delivered to @dave · not yet @erin"): in a group the ✓✓ alone does not say who. What the
 * terminal's `/seen` and a click on the desktop's receipt show.
 */
export function seenBy(state: ChatState, c: ConversationState): string {
  const mine = c.messages.findLast((m) => m.senderId === state.me);
  if (!mine) return "you have not written here yet";
  const others = c.memberIds.filter((id) => id !== state.me);
  const group = (test: (id: string) => boolean) => others.filter(test).map((id) => displayName(state, id));
  const read = group((id) => (c.marks[id]?.read ?? 0n) >= mine.seq);
  const delivered = group((id) => (c.marks[id]?.read ?? 0n) < mine.seq && (c.marks[id]?.delivered ?? 0n) >= mine.seq);
  const waiting = group((id) => (c.marks[id]?.delivered ?? 0n) < mine.seq);
  const parts = [read.length ? `read by ${read.join(", ")}` : "", delivered.length ? `delivered to ${delivered.join(", ")}` : "", waiting.length ? `not yet ${waiting.join(", ")}` : ""];
  return `your latest message: ${parts.filter(Boolean).join(" · ") || "nobody else is here"}`;
}
