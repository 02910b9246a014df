import {
  type ChatAction, type ChatState, type ConversationState, conversationOrder, displayName, initialChatState,
  isBot, messageSummary, peerOf, reduceChat, relativeTime, type ShownMessage, statusTextAt, titleOf, unreadEnd, unreadTotal,
} from "@chat/client";
import { systemText } from "./message-view.ts";
import { type PresenceDot, presenceDot, presenceLabel } from "./status-view.ts";

/**
 * The desktop app's state: the shared chat state (fed by `ChatModel`) plus what only a window has,
 * and everything the components show, derived from it. Pure data and pure functions, tested without
 * a browser; the components in `components/` only lay these out.
 */

/** The dialog for starting a conversation, while it is open. */
export interface Dialog {
  kind: "direct" | "group";
  /** A request is under way. */
  busy: boolean;
  /** Why the last try failed, for the person to fix. */
  error: string;
}

/** What the send box does besides writing a new message: answer one, or change one of mine. */
export interface ComposeMode {
  kind: "reply" | "edit";
  conversationId: string;
  seq: bigint;
}

/** A file on its way to the server, shown with its progress until it is sent. */
export interface Upload {
  /** Chosen by the app (not the server's id). */
  id: string;
  conversationId: string;
  fileName: string;
  received: number;
  size: number;
  /** Why it failed; "" while it goes on. */
  error: string;
}

/** Everything the desktop app shows once logged in. */
export interface DesktopState extends ChatState {
  /** What is typed in each conversation's send box, by conversation id. */
  drafts: Record<string, string>;
  /** The message list shows its newest message (nobody scrolled up). */
  atBottom: boolean;
  /** The window is visible and focused: what it shows is being read. */
  focused: boolean;
  dialog: Dialog | undefined;
  /** The newest message of the open conversation the person can see (what to mark read). */
  seenSeq: bigint | undefined;
  /** On a narrow window, the conversation list is shown instead of the open conversation. */
  showList: boolean;
  /** Denser messages: no bubbles, one line each where they fit. */
  compact: boolean;
  /** The Ctrl-K switcher, while open: what is typed in it. */
  switcher: string | undefined;
  /** A reply or an edit under way in the send box. */
  compose: ComposeMode | undefined;
  /** Files being uploaded (a few at most: each is one the person picked). */
  uploads: Upload[];
  /** The message whose emoji picker is open. */
  picker: bigint | undefined;
  /** The message to bring into view and flash: the parent of the reply whose quote was clicked. */
  jumpTo: bigint | undefined;
  /** The editor of my own status is open. */
  statusEditor: boolean;
}

/** What can happen: the chat's actions and the window's own. */
export type DesktopAction =
  | ChatAction
  | { type: "draft"; conversationId: string; text: string }
  | { type: "scrolled"; atBottom: boolean }
  | { type: "focus"; focused: boolean }
  | { type: "dialog"; dialog: Dialog | undefined }
  | { type: "seen"; seq: bigint | undefined }
  | { type: "showList"; show: boolean }
  | { type: "compact"; compact: boolean }
  | { type: "switcher"; query: string | undefined }
  | { type: "compose"; conversationId: string; mode: ComposeMode | undefined; draft?: string }
  | { type: "upload"; upload: Upload }
  | { type: "uploadEnd"; id: string }
  | { type: "picker"; seq: bigint | undefined }
  | { type: "jump"; seq: bigint | undefined }
  | { type: "statusEditor"; open: boolean };

/** The state before anything is known. */
export function initialDesktopState(me: string, focused: boolean): DesktopState {
  return {
    ...initialChatState(me), drafts: {}, atBottom: true, focused, dialog: undefined, seenSeq: undefined, showList: true, compact: false,
    switcher: undefined, compose: undefined, uploads: [], picker: undefined, jumpTo: undefined, statusEditor: false,
  };
}

/** Applies one action; returns a new state. */
export function reduceDesktop(state: DesktopState, action: DesktopAction): DesktopState {
  switch (action.type) {
    case "draft":
      return { ...state, drafts: { ...state.drafts, [action.conversationId]: action.text } };
    case "scrolled":
      return state.atBottom === action.atBottom ? state : { ...state, atBottom: action.atBottom };
    case "focus":
      return { ...state, focused: action.focused };
    case "dialog":
      return { ...state, dialog: action.dialog };
    case "seen":
      return state.seenSeq === action.seq ? state : { ...state, seenSeq: action.seq };
    case "showList":
      return { ...state, showList: action.show };
    case "compact":
      return { ...state, compact: action.compact };
    case "switcher":
      return { ...state, switcher: action.query };
    case "compose": {
      // Starting an edit puts the message's text in the box; sending (or ending an edit) empties it.
      const drafts = action.draft !== undefined ? { ...state.drafts, [action.conversationId]: action.draft } : state.drafts;
      return { ...state, compose: action.mode, drafts, picker: undefined };
    }
    case "upload":
      return { ...state, uploads: [...state.uploads.filter((u) => u.id !== action.upload.id), action.upload] };
    case "uploadEnd":
      return { ...state, uploads: state.uploads.filter((u) => u.id !== action.id) };
    case "picker":
      return { ...state, picker: action.seq };
    case "jump":
      return { ...state, jumpTo: action.seq, atBottom: action.seq === undefined ? state.atBottom : false };
    case "statusEditor":
      return { ...state, statusEditor: action.open };
    case "window":
      // A search hit opened in its conversation: brought into view (and flashed); back to the newest: at the bottom.
      return reduceChat({ ...state, jumpTo: action.found, atBottom: action.found === undefined }, action);
    case "sending":
      // Sending shows the newest message, where the new one appears.
      return reduceChat({ ...state, atBottom: true }, action);
    case "open":
      // Opening shows the conversation (also on a narrow window) at its "new messages" line.
      if (state.openId === action.conversationId) return { ...state, showList: false, switcher: undefined };
      return reduceChat({
        ...state, atBottom: true, seenSeq: undefined, showList: false, switcher: undefined, compose: undefined, picker: undefined, jumpTo: undefined,
      }, action);
    default:
      return reduceChat(state, action);
  }
}

/**
 * What to mark read: the newest message the person can see in the open conversation (window
 * focused), when others wrote past the read mark. Opening 40 unread messages reads the screenful
 * shown, and the rest as they scroll into view.
 */
export function readUpTo(state: DesktopState): { conversationId: string; seq: bigint } | undefined {
  const end = state.focused && state.seenSeq !== undefined ? unreadEnd(state) : undefined;
  if (!end) return undefined;
  // Seeing the newest message reads the update entries after it too (they show nothing themselves).
  const newest = state.conversations[end.conversationId]?.messages.at(-1)?.seq;
  const seq = state.seenSeq! < end.seq && state.seenSeq !== newest ? state.seenSeq! : end.seq;
  const read = state.conversations[end.conversationId]?.marks[state.me]?.read ?? 0n;
  return seq > read ? { conversationId: end.conversationId, seq } : undefined;
}

/** One conversation in the list on the left. */
export interface SidebarRow {
  id: string;
  title: string;
  kind: "direct" | "group";
  /** The other member's presence, for a direct conversation (undefined for a group and for the note to self). */
  online: boolean | undefined;
  /** Unread messages; 0 for the open conversation. */
  unread: number;
  /** Of those, the ones that name me (the "@" badge); 0 for the open conversation. */
  mentions: number;
  /** The other member's availability, as the dot shows it (direct conversations only). */
  presence: PresenceDot | undefined;
  /** Their custom status text ("" for none). */
  statusText: string;
  selected: boolean;
  /** The newest message, "you: …" when it is mine. */
  preview: string;
  /** When the conversation was last active: "5m", "Yesterday". */
  when: string;
  muted: boolean;
  /** A direct conversation with a bot. */
  bot: boolean;
}

/** The conversation list, the most recently active first; `now` for the relative times. */
export function sidebar(state: DesktopState, now = Date.now()): SidebarRow[] {
  return conversationOrder(state).map((c) => {
    const selected = c.id === state.openId;
    const peer = c.kind === "direct" && peerOf(state, c) !== state.me ? peerOf(state, c) : undefined;
    return {
      id: c.id, title: titleOf(state, c), kind: c.kind, selected, preview: previewOf(state, c.messages.at(-1)),
      online: peer !== undefined ? state.online[peer] === true : undefined,
      presence: peer !== undefined ? presenceDot(state, peer) : undefined,
      statusText: peer !== undefined ? statusTextAt(state.statuses[peer], now) : "",
      unread: selected ? 0 : c.unread, mentions: selected ? 0 : c.unreadMentions,
      when: c.lastActivity > 0 ? relativeTime(c.lastActivity, now) : "", muted: state.muted[c.id] === true,
      bot: c.kind === "direct" && isBot(state, peerOf(state, c)),
    };
  });
}

/** The conversation list's line for the newest message: "bob: hi", "you: 📎 plan.pdf", a system line. */
function previewOf(state: DesktopState, last: ShownMessage | undefined): string {
  if (!last) return "";
  return systemText(state, last) ?? `${last.senderId === state.me ? "you" : displayName(state, last.senderId).slice(1)}: ${messageSummary(last)}`;
}

/** Above the messages: who or what the open conversation is. */
export interface Header {
  title: string;
  /** "online" / "offline" for a direct conversation, the members of a group. */
  detail: string;
  online: boolean | undefined;
  /** The other member of a direct conversation (myself in the note to self); "" in a group. */
  peer: string;
}

/** The header of the open conversation, or undefined when none is open. */
export function header(state: DesktopState, now = Date.now()): Header | undefined {
  const c = openConversation(state);
  if (!c) return undefined;
  if (c.kind === "group") {
    const member = (id: string) => `${displayName(state, id)}${isBot(state, id) ? " (bot)" : ""}`;
    return { title: titleOf(state, c), detail: `${c.memberIds.length} members: ${c.memberIds.map(member).join(", ")}`, online: undefined, peer: "" };
  }
  const peer = peerOf(state, c);
  if (peer === state.me) return { title: titleOf(state, c), detail: "Only you see what you write here", online: undefined, peer };
  const online = state.online[peer] === true;
  return { title: titleOf(state, c), detail: `${isBot(state, peer) ? "bot · " : ""}${presenceLabel(online, state.statuses[peer], now)}`, online, peer };
}

/** The bar over the window while the live connection is not up, or undefined while it is. */
export function banner(state: DesktopState): { text: string; tone: "warn" | "error" } | undefined {
  switch (state.connection) {
    case "online":
      return undefined;
    case "connecting":
      return { text: "Connecting…", tone: "warn" };
    case "reconnecting":
      return { text: "Reconnecting… messages you send now go out when the connection is back.", tone: "warn" };
    case "closed":
      return { text: state.notice || "Disconnected.", tone: "error" };
  }
}

/** "@alice", the logged-in user. */
export function myName(state: DesktopState): string {
  return displayName(state, state.me);
}

/** The open conversation, if any. */
export function openConversation(state: DesktopState): ConversationState | undefined {
  return state.openId ? state.conversations[state.openId] : undefined;
}

/** "14:05": a message's time as drawn. */
export function clock(date: Date): string {
  return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

/** Unread messages in conversations not muted: the count on the dock icon. */
export function unreadCount(state: DesktopState): number {
  return unreadTotal(state);
}

/** The window's title: "(3) Chat" while messages are unread (muted conversations not counted). */
export function windowTitle(state: DesktopState): string {
  const total = unreadTotal(state);
  return total > 0 ? `(${total}) Chat` : "Chat";
}

/** The conversations the Ctrl-K switcher offers for what is typed: titles containing it, most recent first. */
export function switcherRows(state: DesktopState): SidebarRow[] {
  const query = (state.switcher ?? "").trim().toLowerCase().replace(/^[@#]/, "");
  return sidebar(state).filter((row) => row.title.toLowerCase().replace(/^@/, "").includes(query)).slice(0, 8);
}
