import { displayName as name, peerOf, receiptOf, titleOf, typingText, unreadEnd } from "@chat/client";
import { formatTime } from "../format.ts";
import { type ConversationState, conversationOrder, hasOlder, type ViewState } from "./view-model.ts";


/**
 * What is on screen for a state and a terminal size: plain strings and tones, laid out by the Ink
 * components in `app.ts`. Everything a person reads is decided here, so tests can check it.
 */

/** The terminal's size in cells. */
export interface ScreenSize {
  width: number;
  height: number;
}

/** One conversation in the list on the left. */
export interface SidebarRow {
  id: string;
  /** "› ● @bob (3)". */
  text: string;
  selected: boolean;
  unread: boolean;
}

/** How a line of the message area is drawn. */
export type Tone = "own" | "other" | "info" | "error";

/** One line of the message area. */
export interface BodyLine {
  text: string;
  tone: Tone;
}

/** The whole screen. */
export interface Screen {
  /** Top bar, left: who is logged in. */
  title: string;
  /** Top bar, right: "online", "connecting…", "reconnecting…". */
  status: string;
  sidebar: SidebarRow[];
  /** Above the messages: the open conversation and its presence or members. */
  header: string;
  /** Exactly the message-area lines that fit, oldest at the top. */
  body: BodyLine[];
  /** "alice is typing…" or a notice. */
  footer: string;
  /** The input line. */
  input: string;
}

/** Columns of the conversation list, including its border. */
export const sidebarWidth = 28;

/** Rows the message area gets: all but the top bar, the header, the footer and the input. */
export function bodyHeight(size: ScreenSize): number {
  return Math.max(1, size.height - 4);
}

/** Columns the message area gets. */
export function bodyWidth(size: ScreenSize): number {
  return Math.max(10, size.width - sidebarWidth - 1);
}

const statusText = { connecting: "connecting…", online: "online", reconnecting: "reconnecting…", closed: "disconnected" } as const;

/** Derives the screen. `now` decides which typing indicators have expired. */
export function screen(state: ViewState, size: ScreenSize, now: number): Screen {
  const open = state.openId ? state.conversations[state.openId] : undefined;
  const lines = open && !state.showHelp ? messageLines(state, open, bodyWidth(size)) : state.showHelp ? helpLines : emptyLines;
  const height = bodyHeight(size);
  const scroll = Math.min(state.scroll, Math.max(0, lines.length - height));
  return {
    title: `chat · ${name(state, state.me)}`,
    status: statusText[state.connection],
    sidebar: conversationOrder(state).map((c) => sidebarRow(state, c)),
    header: open ? header(state, open) : "",
    // Like every chat, the newest line sits at the bottom, right above the input.
    body: [...Array.from({ length: Math.max(0, height - lines.length) }, () => blank), ...lines.slice(Math.max(0, lines.length - height - scroll), lines.length - scroll)],
    footer: (open && typingText(state, open, now)) || state.notice,
    input: `> ${state.input}`,
  };
}

/** True when the open conversation has older history to read and the view shows its top. */
export function wantsOlder(state: ViewState, size: ScreenSize): boolean {
  const open = state.openId ? state.conversations[state.openId] : undefined;
  if (!open || state.showHelp || open.loadingOlder || !hasOlder(open)) return false;
  const lines = messageLines(state, open, bodyWidth(size)).length;
  return state.scroll >= lines - bodyHeight(size);
}

/**
 * The newest seq of the open conversation to mark read, when the view is at the bottom (a person
 * scrolled up in the past has not read the end) and others wrote past the read mark.
 */
export function readUpTo(state: ViewState): { conversationId: string; seq: bigint } | undefined {
  return state.scroll > 0 || state.showHelp ? undefined : unreadEnd(state);
}

/** Every line of a conversation's message area, oldest first. */
export function messageLines(state: ViewState, c: ConversationState, width: number): BodyLine[] {
  const lines: BodyLine[] = [];
  if (hasOlder(c)) lines.push({ text: c.loadingOlder ? "  loading older messages…" : "  ↑ older messages (PgUp)", tone: "info" });
  else if (c.messages.length === 0 && c.pending.length === 0) lines.push({ text: "  no messages yet: say hello", tone: "info" });
  for (const m of c.messages) {
    const own = m.senderId === state.me;
    const mark = own ? ` ${receiptMark(state, c, m.seq)}` : "";
    lines.push(...wrap(`${formatTime(m.sentAt, "time")} ${name(state, m.senderId)}: ${m.text}${mark}`, width, own ? "own" : "other"));
  }
  for (const p of c.pending) {
    if (p.seq !== undefined && c.messages.some((m) => m.seq === p.seq)) continue;
    const mark = p.error ? `✗ not sent: ${p.error}` : p.seq !== undefined ? "✓" : state.connection === "online" ? "…" : "(queued)";
    lines.push(...wrap(`--:-- ${name(state, state.me)}: ${p.text} ${mark}`, width, p.error ? "error" : "own"));
  }
  return lines;
}

const receiptText = { sent: "✓", delivered: "✓✓", read: "✓✓ read" } as const;

/** ✓ stored, ✓✓ delivered to every other member, "✓✓ read" once every other member read it. */
export function receiptMark(state: ViewState, c: ConversationState, seq: bigint): string {
  return receiptText[receiptOf(state, c, seq)];
}

function sidebarRow(state: ViewState, c: ConversationState): SidebarRow {
  const selected = c.id === state.openId;
  const dot = c.kind === "direct" ? (state.online[peerOf(state, c)] ? "● " : "○ ") : "# ";
  const unread = c.unread > 0 && !selected ? ` (${c.unread})` : "";
  const room = sidebarWidth - 4 - dot.length - unread.length;
  const title = clip(titleOf(state, c), room);
  return { id: c.id, text: `${selected ? "›" : " "} ${dot}${title}${unread}`, selected, unread: unread !== "" };
}

function header(state: ViewState, c: ConversationState): string {
  if (c.kind === "group") {
    return `# ${titleOf(state, c)} · ${c.memberIds.length} members: ${c.memberIds.map((id) => name(state, id)).join(", ")}`;
  }
  const peer = peerOf(state, c);
  return `${name(state, peer)} · ${state.online[peer] ? "● online" : "○ offline"}`;
}

function clip(text: string, width: number): string {
  const chars = [...text];
  return chars.length > width ? `${chars.slice(0, Math.max(0, width - 1)).join("")}…` : text;
}

/** Breaks a line into rows of at most `width` characters; continuation rows are indented. */
function wrap(text: string, width: number, tone: Tone): BodyLine[] {
  const rows: BodyLine[] = [];
  const indent = "      ";
  text.split("\n").forEach((paragraph, i) => {
    let chars = [...paragraph];
    let prefix = i === 0 ? "" : indent;
    do {
      const room = Math.max(1, width - prefix.length);
      rows.push({ text: prefix + chars.slice(0, room).join(""), tone });
      chars = chars.slice(room);
      prefix = indent;
    } while (chars.length > 0);
  });
  return rows;
}

const helpLines: BodyLine[] = [
  "Keys",
  "  Enter            send the line (or run a /command)",
  "  Tab / Ctrl-K     next conversation (Shift-Tab: previous)",
  "  ↑ ↓ PgUp PgDn    scroll; older history loads at the top",
  "  Ctrl-C           quit",
  "Commands",
  "  /new @bob             open the direct conversation with @bob",
  "  /group name @a @b     create a group and open it",
  "  /add @c               add members to the open group",
  "  /leave                leave the open group",
  "  /help                 show or hide this help",
  "Marks on your messages: ✓ stored, ✓✓ delivered, ✓✓ read",
].map((text) => ({ text, tone: "info" as const }));

const blank: BodyLine = { text: "", tone: "info" };

const emptyLines: BodyLine[] = [
  { text: "No conversation open. Start one with /new @username, or /help.", tone: "info" },
];
