import {
  type ChatAction, type ChatState, type ConversationState, conversationOrder, displayName, hasOlder, initialChatState,
  peerOf, type Receipt, receiptOf, reduceChat, titleOf, typingText, unreadEnd,
} from "@chat/client";

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

/** Everything the desktop app shows once logged in. */
export interface DesktopState extends ChatState {
  /** What is typed in each conversation's send box, by conversation id. */
  drafts: Record<string, string>;
  /** The message list shows its newest message (nobody scrolled up). */
  atBottom: boolean;
  /** The window is visible and focused: what it shows is being read. */
  focused: boolean;
  dialog: Dialog | undefined;
}

/** What can happen: the chat's actions and the window's own. */
export type DesktopAction =
  | ChatAction
  | { type: "draft"; conversationId: string; text: string }
  | { type: "scrolled"; atBottom: boolean }
  | { type: "focus"; focused: boolean }
  | { type: "dialog"; dialog: Dialog | undefined };

/** The state before anything is known. */
export function initialDesktopState(me: string, focused: boolean): DesktopState {
  return { ...initialChatState(me), drafts: {}, atBottom: true, focused, dialog: undefined };
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
    case "sending":
      // Sending shows the newest message, where the new one appears.
      return reduceChat({ ...state, atBottom: true }, action);
    case "open":
      return state.openId === action.conversationId ? state : reduceChat({ ...state, atBottom: true }, action);
    default:
      return reduceChat(state, action);
  }
}

/**
 * What to mark read: the end of the open conversation, once the person can see it (window focused,
 * list scrolled to the bottom) and others wrote past the read mark.
 */
export function readUpTo(state: DesktopState): { conversationId: string; seq: bigint } | undefined {
  return state.focused && state.atBottom ? unreadEnd(state) : undefined;
}

/** One conversation in the list on the left. */
export interface SidebarRow {
  id: string;
  title: string;
  kind: "direct" | "group";
  /** The other member's presence, for a direct conversation. */
  online: boolean | undefined;
  /** Unread messages; 0 for the open conversation. */
  unread: number;
  selected: boolean;
  /** The newest message, "you: …" when it is mine. */
  preview: string;
}

/** The conversation list, the most recently active first. */
export function sidebar(state: DesktopState): SidebarRow[] {
  return conversationOrder(state).map((c) => {
    const selected = c.id === state.openId;
    const last = c.messages.at(-1);
    const preview = last ? `${last.senderId === state.me ? "you" : displayName(state, last.senderId).slice(1)}: ${last.text}` : "";
    return {
      id: c.id, title: titleOf(state, c), kind: c.kind, selected, preview,
      online: c.kind === "direct" ? state.online[peerOf(state, c)] === true : undefined,
      unread: selected ? 0 : c.unread,
    };
  });
}

/** Above the messages: who or what the open conversation is. */
export interface Header {
  title: string;
  /** "online" / "offline" for a direct conversation, the members of a group. */
  detail: string;
  online: boolean | undefined;
}

/** The header of the open conversation, or undefined when none is open. */
export function header(state: DesktopState): Header | undefined {
  const c = openConversation(state);
  if (!c) return undefined;
  if (c.kind === "group") {
    return { title: titleOf(state, c), detail: `${c.memberIds.length} members: ${c.memberIds.map((id) => displayName(state, id)).join(", ")}`, online: undefined };
  }
  const online = state.online[peerOf(state, c)] === true;
  return { title: titleOf(state, c), detail: online ? "online" : "offline", online };
}

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
}

/** The open conversation's message area. */
export interface Timeline {
  /** What is above the first message: more to load, loading, or the start of the conversation. */
  top: "more" | "loading" | "start";
  items: TimelineItem[];
  /** "alice is typing…" or "". */
  typing: string;
}

/** The label of a status, as drawn next to the time. */
export const statusLabel: Record<Status, string> = {
  queued: "queued", sending: "…", sent: "✓", delivered: "✓✓", read: "✓✓ read", failed: "✗ not sent",
};

/** The open conversation's messages (stored, then mine still on their way), or undefined. */
export function timeline(state: DesktopState, now: number): Timeline | undefined {
  const c = openConversation(state);
  if (!c) return undefined;
  const items: TimelineItem[] = c.messages.map((m) => {
    const own = m.senderId === state.me;
    return {
      key: `s${m.seq}`, own, sender: displayName(state, m.senderId), text: m.text, time: clock(m.sentAt), error: "",
      status: own ? receiptOf(state, c, m.seq) : undefined, firstOfRun: false,
    };
  });
  for (const p of c.pending) {
    if (p.seq !== undefined && c.messages.some((m) => m.seq === p.seq)) continue;
    const status: Status = p.error ? "failed" : p.seq !== undefined ? "sent" : state.connection === "online" ? "sending" : "queued";
    items.push({ key: `p${p.clientMessageId}`, own: true, sender: displayName(state, state.me), text: p.text, time: "", status, error: p.error ?? "", firstOfRun: false });
  }
  items.forEach((item, i) => (item.firstOfRun = item.sender !== items[i - 1]?.sender));
  return { top: c.loadingOlder ? "loading" : hasOlder(c) ? "more" : "start", items, typing: typingText(state, c, now) };
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

function openConversation(state: DesktopState): ConversationState | undefined {
  return state.openId ? state.conversations[state.openId] : undefined;
}

function clock(date: Date): string {
  return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}
