import {
  dayLabel, displayName, hasOlder, isBot, mentionsReader, nameColor, type Receipt, receiptOf, sameDay, seenBy, type ShownMessage,
  systemLineText, type TextPart, textParts, typingText,
} from "@chat/client";
import { type MessageActions, type MessageBody, messageActions, messageBody, pendingBody, systemText } from "./message-view.ts";
import { clock, type DesktopState, openConversation } from "./view-model.ts";

/**
 * The open conversation's message area, derived from the desktop state: bubbles with their runs, day
 * separators, the "New messages" line, system lines and receipts. Pure, tested without a browser.
 */

/** Where one of my messages is: waiting, stored (✓), delivered (✓✓), read, or refused. */
export type Status = "queued" | "sending" | Receipt | "failed";

/** One message bubble. */
export interface TimelineItem {
  key: string;
  own: boolean;
  /** "@alice"; shown above others' messages in groups. */
  sender: string;
  /** The first of a run of messages from the same sender (where the sender's name goes). */
  firstOfRun: boolean;
  text: string;
  /** "14:05", or "" while not stored yet. */
  time: string;
  /** For my messages only. */
  status: Status | undefined;
  /** Why the server refused it. */
  error: string;
  /** The text cut into plain runs, mentions and links. */
  parts: TextPart[];
  /** Someone else's message naming me. */
  mentionsMe: boolean;
  /** The sender's colour (0-7), the same in every group. */
  color: number;
  /** "Today", "Yesterday"…: a day separator above this message. */
  dayBefore: string;
  /** The "New messages" line goes above this message. */
  markerBefore: boolean;
  /** The sender is a bot. */
  bot: boolean;
  /** System lines ("@alice added @bob") just above this message. */
  systemBefore: string[];
  /** The seq of a stored message; undefined while on its way. */
  seq: bigint | undefined;
  /** For a system event ("@alice added @bob"): its line, drawn centred instead of a bubble. */
  system: string | undefined;
  /** Edited, deleted, the quoted parent, reactions, files. */
  body: MessageBody;
  /** What I may do with it. */
  actions: MessageActions;
}

/** The open conversation's message area. */
export interface Timeline {
  /** What is above the first message: more to load, loading, or the start of the conversation. */
  top: "more" | "loading" | "start";
  items: TimelineItem[];
  /** "alice is typing…" or "". */
  typing: string;
  /** System lines after the newest message. */
  systemAfter: string[];
  /** Who read my newest message, by name, in a group (shown when its receipt is clicked); "" elsewhere. */
  seenBy: string;
}

/** The label of a status, as drawn next to the time. */
export const statusLabel: Record<Status, string> = {
  queued: "queued", sending: "…", sent: "✓", delivered: "✓✓", read: "✓✓ read", failed: "✗ not sent",
};

/** Messages of one sender this close together form a run: one name and one time. */
const runGapMs = 5 * 60_000;

/**
 * The open conversation's messages (stored, then mine still on their way), or undefined. Runs of
 * one sender share a name and a time; the receipt shows on my newest message only (as Signal does).
 */
export function timeline(state: DesktopState, now: number): Timeline | undefined {
  const c = openConversation(state);
  if (!c) return undefined;
  const me = state.names[state.me] ?? "";
  const newestOwn = c.messages.findLast((m) => m.senderId === state.me && !m.system)?.seq;
  const marker = state.marker?.conversationId === c.id ? state.marker.afterSeq : undefined;
  let markerShown = false;
  const at: number[] = [];
  const system = [...c.systemLines];
  const systemUpTo = (seq: bigint) => {
    const lines: string[] = [];
    while (system[0] && system[0].afterSeq < seq) lines.push(systemLineText(state, system.shift()!));
    return lines;
  };
  const items: TimelineItem[] = c.messages.map((m, i) => {
    const own = m.senderId === state.me;
    const before = c.messages[i - 1];
    const markerBefore = marker !== undefined && !markerShown && m.seq > marker && !own && !m.system;
    markerShown ||= markerBefore;
    at.push(m.sentAt.getTime());
    return {
      key: `s${m.seq}`, own, sender: displayName(state, m.senderId), text: m.text, time: clock(m.sentAt), error: "",
      status: own && m.seq === newestOwn ? receiptOf(state, c, m.seq) : undefined, firstOfRun: false,
      parts: partsOf(m, me), mentionsMe: !own && mentionsReader(m, state.me, me), color: nameColor(m.senderId),
      dayBefore: !before || !sameDay(before.sentAt.getTime(), m.sentAt.getTime()) ? dayLabel(m.sentAt.getTime(), now) : "", markerBefore,
      bot: isBot(state, m.senderId), systemBefore: systemUpTo(m.seq),
      seq: m.seq, system: systemText(state, m), body: messageBody(state, c, m), actions: messageActions(state, c, m),
    };
  });
  const systemAfter = systemUpTo(c.lastSeq + 1n);
  for (const p of c.pending) {
    if (p.seq !== undefined && c.messages.some((m) => m.seq === p.seq)) continue;
    const status: Status = p.error ? "failed" : p.seq !== undefined ? "sent" : state.connection === "online" ? "sending" : "queued";
    at.push(now);
    items.push({
      key: `p${p.clientMessageId}`, own: true, sender: displayName(state, state.me), text: p.text, time: "", status, error: p.error ?? "", firstOfRun: false,
      parts: textParts(p.text, me), mentionsMe: false, color: nameColor(state.me), dayBefore: "", markerBefore: false, bot: false, systemBefore: [],
      seq: undefined, system: undefined, body: pendingBody(state, c, p), actions: { reply: false, react: false, edit: false, delete: false },
    });
  }
  items.forEach((item, i) => {
    const before = items[i - 1];
    item.firstOfRun = !before || item.sender !== before.sender || item.dayBefore !== "" || item.markerBefore || item.systemBefore.length > 0
      || before.system !== undefined || item.body.reply !== undefined || at[i]! - at[i - 1]! >= runGapMs;
  });
  return {
    top: c.loadingOlder ? "loading" : hasOlder(c) ? "more" : "start", items, typing: typingText(state, c, now), systemAfter,
    seenBy: c.kind === "group" ? seenBy(state, c) : "",
  };
}

/** A message's text in runs; "@all" stands out like "@me" when the server says it names everyone. */
function partsOf(m: ShownMessage, me: string): TextPart[] {
  const all = m.mentionsAll;
  return textParts(m.text, me).map((p) => (all && p.kind === "mention" && p.username.toLowerCase() === "all" ? { ...p, self: true } : p));
}

