import {
  dayLabel, isBot, mentionsReader, displayName as name, nameColor, receiptOf, sameDay, type ShownMessage, type SystemLine, systemEventText, systemLineText,
} from "@chat/client";
import { formatTime } from "../format.ts";
import { bodyText, fileLine, quoteLine, reactionsLine } from "../message-text.ts";
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
  /** The line belongs to the message picked with Alt-↑/↓ (drawn inverted). */
  selected?: boolean;
  /** The line belongs to the message opened from a search (drawn highlighted). */
  found?: boolean;
  /** Parts of the text to stand out: the words a search matched. */
  marks?: { start: number; end: number }[];
  /** The line says newer messages are not loaded yet (after a jump to an old one): seeing it reads them. */
  gap?: boolean;
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
    if (m.system) {
      // A system event of the stream: a dim line across the middle, which ends a run of messages.
      if (!before || !sameDay(before.sentAt.getTime(), m.sentAt.getTime())) lines.push(separator(dayLabel(m.sentAt.getTime(), now), width, "day"));
      lines.push({ ...centred(`· ${systemEventText(state, m.system)} ·`, width), seq: m.seq });
      return;
    }
    const at = m.sentAt.getTime();
    if (!before || !sameDay(before.sentAt.getTime(), at)) lines.push(separator(dayLabel(at, now), width, "day"));
    const markerHere = marker !== undefined && !markerShown && m.seq > marker && m.senderId !== state.me;
    if (markerHere) {
      lines.push(separator("new messages", width, "marker"));
      markerShown = true;
    }
    const own = m.senderId === state.me;
    const continues = !markerHere && !afterSystem && !m.replyTo && !before?.system && before?.senderId === m.senderId && sameDay(before.sentAt.getTime(), at) && at - before.sentAt.getTime() < runGapMs;
    const mark = own && m.seq === newestOwn && !m.deleted ? ` ${receiptText[receiptOf(state, c, m.seq)]}` : "";
    const tone: Tone = m.deleted ? "info" : own ? "own" : mentionsReader(m, state.me, me) ? "mention" : "other";
    const sender = `${name(state, m.senderId)}${isBot(state, m.senderId) ? " [bot]" : ""}`;
    const time = state.compact ? "" : `${formatTime(m.sentAt, "time")} `;
    const head = continues ? indent : `${time}${sender}: `;
    const selected = { ...(state.selected === m.seq ? { selected: true } : {}), ...(state.found?.conversationId === c.id && state.found.seq === m.seq ? { found: true } : {}) };
    // The quoted parent goes above the reply, as every chat app shows it.
    if (m.replyTo) lines.push({ text: `${indent}${quoteLine(m.replyTo, (id) => name(state, id))}`, tone: "info", seq: m.seq, ...selected });
    const rows = wrapMessage(head, contentText(m, state.me, mark), width, indent).map((text) => ({ text, tone, seq: m.seq, ...selected } as BodyLine));
    if (!continues && !own && c.kind === "group") rows[0]!.name = { start: time.length, end: time.length + sender.length, color: nameColor(m.senderId) };
    lines.push(...rows);
  });
  if (c.gapAfter !== undefined) {
    // Between the messages around a search hit and any that came live since: what is not loaded yet.
    const at = lines.findIndex((l) => l.seq !== undefined && l.seq > c.gapAfter!);
    lines.splice(at < 0 ? lines.length : at, 0, { text: "  ↓ newer messages (PgDn)", tone: "info", gap: true });
  }
  systemUpTo(c.lastSeq + 1n);
  for (const p of c.pending) {
    if (p.seq !== undefined && c.messages.some((m) => m.seq === p.seq)) continue;
    const mark = p.error ? `✗ not sent: ${p.error}` : p.seq !== undefined ? "✓" : state.connection === "online" ? "…" : "(queued)";
    const head = `${state.compact ? "" : "--:-- "}${name(state, state.me)}: `;
    if (p.replyToSeq) lines.push({ text: `${indent}↪ #${p.replyToSeq}`, tone: "info" });
    const text = [p.text, ...(p.fileNames ?? []).map((f) => `📎 ${f}`)].filter(Boolean).join("\n");
    lines.push(...wrapMessage(head, `${text} ${mark}`, width, indent).map((text) => ({ text, tone: (p.error ? "error" : "own") as Tone })));
  }
  return lines;
}

/**
 * What a message shows after its sender: the text (or "message deleted", with "(edited)"), a line
 * per file, and the reactions; each on its own row.
 */
function contentText(m: ShownMessage, me: string, mark: string): string {
  const body = bodyText(m);
  if (m.deleted) return body;
  const rows = [body, ...m.attachments.map(fileLine), reactionsLine(m.reactions, me)].filter(Boolean);
  // The receipt follows the words (or the first file), not the reactions under them.
  return [`${rows[0] ?? ""}${mark}`, ...rows.slice(1)].join("\n");
}

/** A line centred in the width (a system event). */
function centred(text: string, width: number): BodyLine {
  return { text: `${" ".repeat(Math.max(0, Math.floor((width - text.length) / 2)))}${text}`, tone: "info" };
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
