import { isBot, displayName as name, peerOf, relativeTime, statusLabel, titleOf, typingText, unreadTotal } from "@chat/client";
import { cellWidth, clipCells, wrapSpans } from "./cells.ts";
import { type BodyLine, messageLines } from "./message-lines.ts";
import { searchFooter, searchHeader, searchLines } from "./search-lines.ts";
import { type ConversationState, conversationOrder, hasOlder, type ViewState } from "./view-model.ts";

/**
 * What is on screen for a state and a terminal size: plain strings and tones, laid out by the Ink
 * components in `app.ts`. Everything a person reads is decided here, so tests can check it.
 */

export type { BodyLine, Tone } from "./message-lines.ts";

/** The terminal's size in cells. */
export interface ScreenSize {
  width: number;
  height: number;
}

/** One conversation in the list on the left. */
export interface SidebarRow {
  id: string;
  /** "› ● @bob (3)     5m". */
  text: string;
  selected: boolean;
  unread: boolean;
  muted: boolean;
}

/** One row of the input area; `cursor` is the UTF-16 offset in `text` where the cursor is drawn. */
export interface InputRow {
  text: string;
  cursor?: number;
}

/** The whole screen. */
export interface Screen {
  /** Top bar, left: who is logged in. */
  title: string;
  /** Top bar, right: "online", "connecting…", "reconnecting…". */
  status: string;
  /** Columns of the conversation list including its border; 0 when the terminal is too narrow for it. */
  sidebarWidth: number;
  sidebar: SidebarRow[];
  /** Above the messages: the open conversation and its presence or members. */
  header: string;
  /** Exactly the message-area lines that fit, oldest at the top. */
  body: BodyLine[];
  /** "alice is typing…", a notice, or why the connection is down. */
  footer: string;
  /** The input area: one row per line written (wrapped), at most {@link maxInputRows}. */
  input: InputRow[];
}

/** Rows the input area may take before it scrolls with the cursor. */
export const maxInputRows = 5;

/**
 * Columns of the conversation list, including its border: 28 on a normal terminal, 20 on a narrow
 * one, none below 50 columns (Tab still switches, and the header says where you are), so the
 * messages keep at least 30 columns.
 */
export function sidebarWidthFor(width: number): number {
  return width >= 70 ? 28 : width >= 50 ? 20 : 0;
}

/** Columns the message area gets (its left padding taken off). */
export function bodyWidth(size: ScreenSize): number {
  return Math.max(10, size.width - sidebarWidthFor(size.width) - 1);
}

const statusText = { connecting: "connecting…", online: "online", reconnecting: "reconnecting…", closed: "disconnected" } as const;

/** Derives the screen. `now` decides which typing indicators have expired and the relative times. */
export function screen(state: ViewState, size: ScreenSize, now: number): Screen {
  const open = state.openId ? state.conversations[state.openId] : undefined;
  const input = inputRows(state, size.width);
  const { lines, height, scroll } = viewport(state, size, now, input.length);
  const sidebarWidth = sidebarWidthFor(size.width);
  return {
    title: `chat · ${name(state, state.me)}${ownStatus(state, now)}`,
    status: statusText[state.connection],
    sidebarWidth,
    sidebar: sidebarWidth ? conversationOrder(state).map((c) => sidebarRow(state, c, sidebarWidth, now)) : [],
    header: state.search ? searchHeader(state.search) : open ? (sidebarWidth ? "" : position(state)) + header(state, open, now) : "",
    // Like every chat, the newest line sits at the bottom, right above the input; search results read from the top.
    body: state.search
      ? searchPage(lines, height, state.searchPick)
      : [...Array.from({ length: Math.max(0, height - lines.length) }, () => blank), ...lines.slice(Math.max(0, lines.length - height - scroll), lines.length - scroll)],
    footer: footer(state, open, now),
    input,
  };
}

/** The lines of the message area, how many rows it has, and the scroll clamped to them. */
function viewport(state: ViewState, size: ScreenSize, now: number, inputHeight: number): { lines: BodyLine[]; height: number; scroll: number } {
  const open = state.openId ? state.conversations[state.openId] : undefined;
  const lines = state.search
    ? searchLines(state, state.search, bodyWidth(size))
    : open && !state.showHelp ? messageLines(state, open, bodyWidth(size), now) : state.showHelp ? helpLines : emptyLines;
  const height = Math.max(1, size.height - 3 - inputHeight);
  return { lines, height, scroll: Math.min(state.scroll, Math.max(0, lines.length - height)) };
}

/** Every line of the open conversation's message area (what scrolling moves over). */
export function allLines(state: ViewState, size: ScreenSize, now: number): BodyLine[] {
  return viewport(state, size, now, inputRows(state, size.width).length).lines;
}

/** The scroll (lines up from the newest) that puts the "new messages" line at the top, if it is above the view. */
export function scrollToMarker(state: ViewState, size: ScreenSize, now: number): number | undefined {
  const { lines, height } = viewport(state, size, now, inputRows(state, size.width).length);
  const at = lines.findIndex((l) => l.tone === "marker");
  if (at < 0) return undefined;
  return Math.max(0, lines.length - height - at);
}

/** The rows of search results that fit, from the top, with the picked hit (row `pick`) in view. */
function searchPage(lines: BodyLine[], height: number, pick: number): BodyLine[] {
  const top = Math.max(0, Math.min(pick - height + 2, lines.length - height));
  const page = lines.slice(top, top + height);
  return [...page, ...Array.from({ length: height - page.length }, () => blank)];
}

/** The scroll (lines up from the newest) that puts the message opened from a search in the middle of the view. */
export function scrollToFound(state: ViewState, size: ScreenSize, now: number): number | undefined {
  if (!state.found || state.found.conversationId !== state.openId) return undefined;
  const { lines, height } = viewport(state, size, now, inputRows(state, size.width).length);
  const at = lines.findIndex((l) => l.found);
  if (at < 0) return undefined;
  return Math.max(0, Math.min(lines.length - height, lines.length - at - Math.ceil(height / 2)));
}

/** True when the view shows the line that says newer messages are not loaded yet (see `gapAfter`). */
export function wantsNewer(state: ViewState, size: ScreenSize, now: number): boolean {
  if (state.search || state.showHelp || !state.openId || state.conversations[state.openId]?.gapAfter === undefined) return false;
  return screen(state, size, now).body.some((l) => l.gap);
}

/** True when the open conversation has older history to read and the view shows its top. */
export function wantsOlder(state: ViewState, size: ScreenSize): boolean {
  const open = state.openId ? state.conversations[state.openId] : undefined;
  if (!open || state.showHelp || state.search || open.loadingOlder || !hasOlder(open)) return false;
  const { lines, height } = viewport(state, size, 0, inputRows(state, size.width).length);
  return state.scroll >= lines.length - height;
}

/**
 * The newest message of the open conversation that is on screen, when others wrote past my read
 * mark: what to mark read. Only what is shown is read, so opening 40 unread messages reads the
 * screenful in view, and the rest as the person scrolls down to them.
 */
export function readUpTo(state: ViewState, size: ScreenSize, now: number): { conversationId: string; seq: bigint } | undefined {
  const open = state.openId ? state.conversations[state.openId] : undefined;
  if (!open || state.showHelp || state.search) return undefined;
  const seen = screen(state, size, now).body.reduce<bigint | undefined>((top, l) => (l.seq !== undefined && (top === undefined || l.seq > top) ? l.seq : top), undefined);
  if (seen === undefined || seen <= (open.marks[state.me]?.read ?? 0n)) return undefined;
  return { conversationId: open.id, seq: seen };
}

function footer(state: ViewState, open: ConversationState | undefined, now: number): string {
  if (state.search) return state.notice || searchFooter;
  const typing = open ? typingText(state, open, now) : "";
  if (typing) return typing;
  if (state.notice) return state.notice;
  if (state.selected !== undefined) {
    const picked = open?.messages.find((m) => m.seq === state.selected);
    const mine = picked?.senderId === state.me ? " · /edit · /delete" : "";
    const files = picked?.attachments.length ? ` · chat download ${open!.id} ${picked.seq}` : "";
    return `#${state.selected}: /reply text · /react 👍${mine}${files} · Esc`;
  }
  if (state.connection !== "online" && state.connectionError) return `${state.connectionError} Retrying…`;
  return "";
}

/** "[2/5 · 3 unread] " before the header when the conversation list is hidden. */
function position(state: ViewState): string {
  const order = conversationOrder(state);
  const unread = unreadTotal(state) - (state.openId ? state.conversations[state.openId]?.unread ?? 0 : 0);
  return `[${order.findIndex((c) => c.id === state.openId) + 1}/${order.length}${unread > 0 ? ` · ${unread} unread` : ""}] `;
}

function sidebarRow(state: ViewState, c: ConversationState, width: number, now: number): SidebarRow {
  const selected = c.id === state.openId;
  const peer = peerOf(state, c);
  const dot = c.kind === "group" ? "# " : peer === state.me ? "✎ " : `${presenceDot(state, peer)} `;
  const mentions = c.unreadMentions > 0 ? ` @${c.unreadMentions > 1 ? c.unreadMentions : ""}` : "";
  const unread = c.unread > 0 && !selected ? ` (${c.unread}${mentions})` : "";
  const when = c.lastActivity > 0 && width >= 28 ? ` ${relativeTime(c.lastActivity, now)}` : "";
  const room = width - 4 - dot.length - cellWidth(unread) - when.length;
  const left = `${selected ? "›" : " "} ${dot}${clipCells(titleOf(state, c), room)}${unread}`;
  const text = left + " ".repeat(Math.max(0, width - 2 - cellWidth(left) - when.length)) + when;
  return { id: c.id, text, selected, unread: unread !== "", muted: state.muted[c.id] === true };
}

function header(state: ViewState, c: ConversationState, now: number): string {
  const muted = state.muted[c.id] ? " · muted" : "";
  const label = (id: string) => `${name(state, id)}${isBot(state, id) ? " [bot]" : ""}`;
  if (c.kind === "group") {
    return `# ${titleOf(state, c)}${muted} · ${c.memberIds.length} members: ${c.memberIds.map(label).join(", ")}`;
  }
  const peer = peerOf(state, c);
  if (peer === state.me) return `Note to self · only you see it${muted}`;
  const status = statusLabel(state.statuses[peer], state.online[peer] === true, now);
  return `${label(peer)} · ${presenceDot(state, peer)} ${state.online[peer] ? "online" : "offline"}${status ? ` · ${status}` : ""}${muted}`;
}

/** ● online, ◐ away, ⊖ busy (do not disturb), ○ offline. */
function presenceDot(state: ViewState, userId: string): string {
  if (!state.online[userId]) return "○";
  const availability = state.statuses[userId]?.availability;
  return availability === "away" ? "◐" : availability === "busy" ? "⊖" : "●";
}

/** " · busy · in a meeting" after my name when I am not plainly online. */
function ownStatus(state: ViewState, now: number): string {
  const label = statusLabel(state.statuses[state.me], true, now);
  return label ? ` · ${label}` : "";
}

/** The input, wrapped by cells under "> ", with the cursor's row kept in view. */
function inputRows(state: ViewState, width: number): InputRow[] {
  const rows: InputRow[] = [];
  let offset = 0;
  state.input.split("\n").forEach((line, i) => {
    const prefix = i === 0 ? "> " : "  ";
    for (const span of wrapSpans(line, Math.max(4, width - 3))) {
      const row: InputRow = { text: prefix + line.slice(span.start, span.end) };
      const at = state.cursor - offset - span.start;
      // The cursor belongs to this row when it falls inside it, or at its end on the line's last row.
      if (at >= 0 && (at < span.end - span.start || (at === span.end - span.start && span.end === line.length))) row.cursor = prefix.length + at;
      rows.push(row);
    }
    offset += line.length + 1;
  });
  const cursorRow = Math.max(0, rows.findIndex((r) => r.cursor !== undefined));
  const first = Math.min(Math.max(0, cursorRow - maxInputRows + 1), Math.max(0, rows.length - maxInputRows));
  return rows.slice(first, first + maxInputRows);
}

const helpLines: BodyLine[] = [
  "Keys",
  "  Enter            send the line (or run a /command); Alt-Enter: new line",
  "  Tab / Ctrl-N     next conversation (Shift-Tab / Ctrl-P: previous)",
  "  Alt-A            next conversation with unread messages",
  "  ← → Home End     move in the line; Ctrl-A/E start/end, Alt-B/F by word",
  "  Ctrl-W Ctrl-U Ctrl-K   erase word / to start / to end",
  "  ↑ ↓              earlier lines you sent",
  "  PgUp PgDn        scroll; older history loads at the top",
  "  Alt-↑ Alt-↓      pick a message for /reply /react /edit /delete (Esc: none)",
  "  Ctrl-C           quit",
  "Commands",
  "  /new @bob             open the direct conversation with @bob (/new @me: note to self)",
  "  /group name @a @b     create a group and open it",
  "  /add @c               add members to the open group",
  "  /leave                leave the open group",
  "  /mute [8h] /unmute    no push, no bell, no count for the open conversation (on every device)",
  "  /seen                 who read or got your latest message",
  "  /find al              people whose name starts with \"al\"",
  "  /search words         find messages (\"a phrase\", pre*, from:@bob, in:#team, has:file, on:2026-11-30); ↑↓ Enter opens one",
  "  /reply text  /react 👍  /edit [text]  /delete   the picked message, or #12 first (else the newest)",
  "  /status busy [text]   online, away, busy or invisible, and a text; /status clear",
  "  /file path [caption]  send a file (chat download saves one)",
  "  /compact              messages without times (again: with)",
  "  /help                 show or hide this help",
  "Marks on your newest message: ✓ stored, ✓✓ delivered, ✓✓ read",
].map((text) => ({ text, tone: "info" as const }));

const blank: BodyLine = { text: "", tone: "info" };

const emptyLines: BodyLine[] = [
  { text: "No conversation open. Start one with /new @username, or /help.", tone: "info" },
];
