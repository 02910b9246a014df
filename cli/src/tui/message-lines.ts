import { dayLabel, isBot, displayName as name, mentions, nameColor, receiptOf, sameDay, type SystemLine, systemLineText } from "@chat/client";
import { formatTime } from "../format.ts";
import { wrapSpans } from "./cells.ts";
import { type ConversationState, hasOlder, type ViewState } from "./view-model.ts";

/** How a line of the message area is drawn. */
export type Tone = "own" | "other" | "mention" | "info" | "error" | "marker" | "day";

/** One line of the message area. */
export interface BodyLine {
  text: string;
  tone: Tone;
  /** The message the line belongs to: seeing it reads it. */
  seq?: bigint;
  /** The sender's name in the line, drawn in the sender's colour (groups only). */
  name?: { start: number; end: number; color: number };
}

/** Where a message's text starts on its continuation rows (under the text, after "HH:MM "; less in compact mode). */
const indents = { normal: "      ", compact: "  " } as const;
/** Messages of one sender this close together form one run: one time and name for all of them. */
const runGapMs = 5 * 60_000;

const receiptText = { sent: "✓", delivered: "✓✓", read: "✓✓ read" } as const;

/**
 * Every line of a conversation's message area, oldest first: a separator for each day, the "new
 * messages" line, runs of one sender's messages under one time and name, and the receipt on my
 * newest message only (as Signal does: older ones were read too once the newest was).
 */
export function messageLines(state: ViewState, c: ConversationState, width: number, now: number): BodyLine[] {
  const lines: BodyLine[] = [];
  if (hasOlder(c)) lines.push({ text: c.loadingOlder ? "  loading older messages…" : "  ↑ older messages (PgUp)", tone: "info" });
  else if (c.messages.length === 0 && c.pending.length === 0) lines.push({ text: "  no messages yet: say hello", tone: "info" });
  const me = state.names[state.me] ?? "";
  const newestOwn = c.messages.findLast((m) => m.senderId === state.me)?.seq;
  const marker = state.marker?.conversationId === c.id ? state.marker.afterSeq : undefined;
  let markerShown = false;
  const indent = state.compact ? indents.compact : indents.normal;
  // System lines ("@alice added @bob") go after the newest message there was when they happened.
  const system = [...c.systemLines];
  /** Shows the system lines before `seq`; true when there were any (they end a run of messages). */
  const systemUpTo = (seq: bigint): boolean => {
    const from = lines.length;
    while (system[0] && system[0].afterSeq < seq) lines.push(systemRow(state, system.shift()!));
    return lines.length > from;
  };
  c.messages.forEach((m, i) => {
    const afterSystem = systemUpTo(m.seq);
    const before = c.messages[i - 1];
    const at = m.sentAt.getTime();
    if (!before || !sameDay(before.sentAt.getTime(), at)) lines.push(separator(dayLabel(at, now), width, "day"));
    const markerHere = marker !== undefined && !markerShown && m.seq > marker && m.senderId !== state.me;
    if (markerHere) {
      lines.push(separator("new messages", width, "marker"));
      markerShown = true;
    }
    const own = m.senderId === state.me;
    const continues = !markerHere && !afterSystem && before?.senderId === m.senderId && sameDay(before.sentAt.getTime(), at) && at - before.sentAt.getTime() < runGapMs;
    const mark = own && m.seq === newestOwn ? ` ${receiptText[receiptOf(state, c, m.seq)]}` : "";
    const tone: Tone = own ? "own" : mentions(m.text, me) ? "mention" : "other";
    const sender = `${name(state, m.senderId)}${isBot(state, m.senderId) ? " [bot]" : ""}`;
    const time = state.compact ? "" : `${formatTime(m.sentAt, "time")} `;
    const head = continues ? indent : `${time}${sender}: `;
    const rows = wrapMessage(head, m.text + mark, width, indent).map((text) => ({ text, tone, seq: m.seq } as BodyLine));
    if (!continues && !own && c.kind === "group") rows[0]!.name = { start: time.length, end: time.length + sender.length, color: nameColor(m.senderId) };
    lines.push(...rows);
  });
  systemUpTo(c.lastSeq + 1n);
  for (const p of c.pending) {
    if (p.seq !== undefined && c.messages.some((m) => m.seq === p.seq)) continue;
    const mark = p.error ? `✗ not sent: ${p.error}` : p.seq !== undefined ? "✓" : state.connection === "online" ? "…" : "(queued)";
    const head = `${state.compact ? "" : "--:-- "}${name(state, state.me)}: `;
    lines.push(...wrapMessage(head, `${p.text} ${mark}`, width, indent).map((text) => ({ text, tone: (p.error ? "error" : "own") as Tone })));
  }
  return lines;
}

/** "  · @alice added @bob" */
function systemRow(state: ViewState, line: SystemLine): BodyLine {
  return { text: `  · ${systemLineText(state, line)}`, tone: "info" };
}

/** "──── Today ────" across the width. */
function separator(label: string, width: number, tone: Tone): BodyLine {
  const side = Math.max(2, Math.floor((width - label.length - 2) / 2));
  return { text: `${"─".repeat(side)} ${label} ${"─".repeat(side)}`, tone };
}

/** `head` then the text, wrapped by cells: each paragraph on new rows, continuation rows indented. */
function wrapMessage(head: string, text: string, width: number, indent: string): string[] {
  const rows: string[] = [];
  text.split("\n").forEach((paragraph, i) => {
    const first = i === 0 ? head : indent;
    const firstRows = wrapSpans(first + paragraph, width);
    const firstRow = firstRows[0]!;
    rows.push((first + paragraph).slice(0, firstRow.end));
    const rest = (first + paragraph).slice(firstRow.end);
    if (rest) for (const span of wrapSpans(rest, width - indent.length)) rows.push(indent + rest.slice(span.start, span.end));
  });
  return rows;
}
