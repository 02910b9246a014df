import { timestampMs } from "@bufbuild/protobuf/wkt";
import { type Conversation, ConversationKind, Role } from "@chat/gen/chat/v1/conversation_pb.js";
import type { Message } from "@chat/gen/chat/v1/message_pb.js";
import type { LiveState } from "./live-session.ts";
import { countsAsUnread, mentionsReader, replyTo, type ShownMessage, shownMessage, updateOf } from "./shown-message.ts";
import { maxSystemLines, type SystemLine, sameEvent } from "./system-lines.ts";
import type { UserStatus } from "./user-status.ts";

/**
 * What a chat application shows, whatever draws it (a terminal, a web page), and the one function
 * that changes it. Pure data and pure functions: the {@link ChatModel} feeds in what the server
 * says, an application adds its own fields and actions on top (see `reduceChat`), and all of it is
 * tested without a screen or a server.
 */

export type { ShownMessage } from "./shown-message.ts";

/** One of my messages not yet seen back from the server. */
export interface PendingMessage {
  clientMessageId: string;
  text: string;
  /** The message it answers, when it is a reply. */
  replyToSeq?: bigint;
  /** Names of the files it carries, while they are sent. */
  fileNames?: string[];
  /** Set once the ACK came (the message itself may still be on its way). */
  seq?: bigint;
  /** Set when the server refused it for good. */
  error?: string;
}

/** How far a member has got. */
export interface Marks {
  delivered: bigint;
  read: bigint;
}

/** A conversation as a screen needs it. */
export interface ConversationState {
  id: string;
  kind: "direct" | "group";
  name: string;
  memberIds: string[];
  /** Members who may delete anyone's message and mention "@all": a group's owner and admins. */
  admins: string[];
  lastSeq: bigint;
  /** The newest seq received live or replayed, update entries included: how far reading the newest message reads. */
  appliedSeq: bigint;
  lastActivity: number;
  /** Loaded messages, ascending by seq, each seq once. */
  messages: ShownMessage[];
  pending: PendingMessage[];
  /** A page of older history is being read. */
  loadingOlder: boolean;
  /**
   * Set while the loaded messages stop at this seq and newer ones exist that are not loaded (after a
   * jump to an old message): messages after the gap, if any, came live. See `window` and `newer`.
   */
  gapAfter: bigint | undefined;
  /** When my mute of this conversation ends by itself (ms since the epoch); undefined for none or until unmuted. */
  mutedUntil: number | undefined;
  unread: number;
  /** Of the unread messages, those that mention me (`@me`, `@all`): counted apart, like the server's `unread_mention_count`. */
  unreadMentions: number;
  /** Messages up to here are counted in `unread` already (by the server's count or by us). */
  countedThrough: bigint;
  marks: Record<string, Marks>;
  /** Who is typing, until when (ms since the epoch). */
  typing: Record<string, number>;
  /** "@alice added @bob" and the like, seen live, oldest first (at most `maxSystemLines`). */
  systemLines: SystemLine[];
}

/** Everything a chat client shows. */
export interface ChatState {
  me: string;
  connection: LiveState;
  conversations: Record<string, ConversationState>;
  openId: string | undefined;
  /** Usernames by user id. */
  names: Record<string, string>;
  /** Users known to be bots (User.bot), by id: both clients mark their names. */
  bots: Record<string, boolean>;
  online: Record<string, boolean>;
  /** Chosen availability and custom text by user id, from presence (see `statusLabel`). */
  statuses: Record<string, UserStatus>;
  /** One line of feedback (a command's result or error). */
  notice: string;
  /** Why the last connection attempt failed, in words for a person; "" while online. */
  connectionError: string;
  /**
   * Where the "new messages" line of the open conversation goes: after my read mark as it was when
   * the conversation was opened, so the line stays put while the person reads on.
   */
  marker: { conversationId: string; afterSeq: bigint } | undefined;
  /** Conversations whose new messages neither notify nor count in the total: the server's `Conversation.muted`, ended by the clock at `mutedUntil`. */
  muted: Record<string, boolean>;
  /** The message opened from a search (`ChatModel.openAt`): screens bring it into view and highlight it. */
  found: { conversationId: string; seq: bigint } | undefined;
}

/** What can happen to the state. */
export type ChatAction =
  | { type: "connection"; state: LiveState; error?: string }
  | { type: "conversations"; conversations: Conversation[]; now: number }
  | { type: "conversation"; conversation: Conversation; now: number }
  | { type: "left"; conversationId: string }
  | { type: "messages"; messages: Message[]; now: number }
  /** A message as the server says it is now (the answer to an edit, delete or reaction): replaces the loaded one. */
  | { type: "replaced"; message: Message }
  | { type: "older"; conversationId: string; messages: Message[] }
  /**
   * A run of history that replaces the loaded messages (a jump to a message with its context, or
   * back to the newest page): `more` when newer messages than the run exist.
   */
  | { type: "window"; conversationId: string; messages: Message[]; more: boolean; found?: bigint }
  /** The page after the gap (see `gapAfter`): `more` when it did not reach the newest message. */
  | { type: "newer"; conversationId: string; messages: Message[]; more: boolean }
  | { type: "loadingOlder"; conversationId: string }
  | { type: "sending"; conversationId: string; clientMessageId: string; text: string; replyToSeq?: bigint; fileNames?: string[] }
  | { type: "ack"; conversationId: string; clientMessageId: string; seq: bigint }
  | { type: "sendFailed"; clientMessageId: string; error: string }
  | { type: "marks"; conversationId: string; userId: string; delivered: bigint; read: bigint }
  | { type: "typing"; conversationId: string; userId: string; until: number }
  | { type: "presence"; userId: string; online: boolean; status?: UserStatus }
  | { type: "names"; names: Record<string, string>; bots?: Record<string, boolean> }
  | { type: "system"; conversationId: string; line: SystemLine }
  | { type: "open"; conversationId: string }
  | { type: "notice"; text: string }
  | { type: "mute"; conversationId: string; muted: boolean }
  | { type: "tick"; now: number };

/** The state before anything is known. */
export function initialChatState(me: string): ChatState {
  return { me, connection: "connecting", conversations: {}, openId: undefined, names: {}, bots: {}, online: {}, statuses: {}, notice: "", connectionError: "", marker: undefined, muted: {}, found: undefined };
}

/** Conversations, the most recently active first. */
export function conversationOrder(state: ChatState): ConversationState[] {
  return Object.values(state.conversations).sort((a, b) => b.lastActivity - a.lastActivity || a.id.localeCompare(b.id));
}

/** True when messages older than the loaded ones exist (seqs start at 1 and have no gap). */
export function hasOlder(c: ConversationState): boolean {
  const first = c.messages[0];
  return first ? first.seq > 1n : c.lastSeq > 0n;
}

/**
 * Applies one action; returns a new state (the old one is left as it was). Fields an application
 * added to the state are carried over untouched. Opening another conversation places its
 * "new messages" line.
 */
export function reduceChat<S extends ChatState>(state: S, action: ChatAction): S {
  const next = reduceOnce(state, action);
  return next.openId === state.openId ? next : { ...next, marker: markerOf(next) };
}

/** The "new messages" line of the open conversation: after my read mark, when others wrote past it. */
function markerOf(state: ChatState): ChatState["marker"] {
  const c = state.openId ? state.conversations[state.openId] : undefined;
  if (!c || c.unread === 0) return undefined;
  const read = c.marks[state.me]?.read ?? 0n;
  return c.lastSeq > read ? { conversationId: c.id, afterSeq: read } : undefined;
}

/** One action, without the marker. */
function reduceOnce<S extends ChatState>(state: S, action: ChatAction): S {
  switch (action.type) {
    case "connection": {
      // Offline, nobody's presence is known; the next stream reports who is online.
      const online = action.state === "online";
      return { ...state, connection: action.state, online: online ? state.online : {}, connectionError: online ? "" : action.error ?? state.connectionError };
    }
    case "conversations": {
      const listed = new Set(action.conversations.map((c) => c.id));
      let next: S = { ...state, conversations: Object.fromEntries(Object.entries(state.conversations).filter(([id]) => listed.has(id))) };
      for (const c of action.conversations) next = reduceChat(next, { type: "conversation", conversation: c, now: action.now });
      if (next.openId && !listed.has(next.openId)) next.openId = undefined;
      return next.openId ? next : { ...next, openId: conversationOrder(next)[0]?.id };
    }
    case "conversation": {
      const merged = mergeConversation(state, action.conversation, action.now);
      // The server keeps the mute (every device of mine sees it); one that has run out is over.
      const muted = action.conversation.muted && (merged.mutedUntil === undefined || merged.mutedUntil > action.now);
      const next = reduceOnce(withConversation(state, merged), { type: "mute", conversationId: merged.id, muted });
      // The first conversation to appear opens by itself: a new user's first message is not hidden.
      return next.openId ? next : { ...next, openId: action.conversation.id };
    }
    case "left": {
      const { [action.conversationId]: _gone, ...rest } = state.conversations;
      const next = { ...state, conversations: rest };
      return next.openId === action.conversationId ? { ...next, openId: conversationOrder(next)[0]?.id } : next;
    }
    case "messages":
      return action.messages.reduce((s, m) => addMessage(s, m, action.now), state);
    case "older":
      return update(state, action.conversationId, (c) => ({ ...c, messages: insertAll(c.messages, shownOf(action.messages)), loadingOlder: false }));
    case "replaced":
      return update(state, action.message.conversationId, (c) => ({ ...c, messages: replaceLoaded(c.messages, shownMessage(action.message)) }));
    case "window":
      return update({ ...state, found: action.found !== undefined ? { conversationId: action.conversationId, seq: action.found } : undefined }, action.conversationId, (c) => ({
        ...c, messages: insertAll([], shownOf(action.messages)), loadingOlder: false, gapAfter: action.more ? newestSeq(action.messages) : undefined,
      }));
    case "newer":
      return update(state, action.conversationId, (c) => {
        const messages = insertAll(c.messages, shownOf(action.messages));
        if (c.gapAfter === undefined) return { ...c, messages };
        // Closed when the page reaches the newest message, or the first message that came live after the gap.
        const end = newestSeq(action.messages) ?? c.gapAfter;
        const live = c.messages.find((m) => m.seq > c.gapAfter!)?.seq;
        const closed = !action.more || (live !== undefined && end + 1n >= live);
        return { ...c, messages, gapAfter: closed ? undefined : end };
      });
    case "loadingOlder":
      return update(state, action.conversationId, (c) => ({ ...c, loadingOlder: true }));
    case "sending":
      return update(state, action.conversationId, (c) => ({
        ...c, pending: [...c.pending, {
          clientMessageId: action.clientMessageId, text: action.text,
          ...(action.replyToSeq ? { replyToSeq: action.replyToSeq } : {}), ...(action.fileNames?.length ? { fileNames: action.fileNames } : {}),
        }],
      }));
    case "ack":
      return update(state, action.conversationId, (c) => ({
        ...c, pending: c.pending.map((p) => (p.clientMessageId === action.clientMessageId ? { ...p, seq: action.seq } : p)),
      }));
    case "sendFailed":
      return mapConversations(state, (c) => ({
        ...c, pending: c.pending.map((p) => (p.clientMessageId === action.clientMessageId ? { ...p, error: action.error } : p)),
      }));
    case "marks":
      return update(state, action.conversationId, (c) => {
        const old = c.marks[action.userId] ?? { delivered: 0n, read: 0n };
        const marks = { delivered: max(old.delivered, action.delivered, action.read), read: max(old.read, action.read) };
        if (action.userId !== state.me) return { ...c, marks: { ...c.marks, [action.userId]: marks } };
        // Read part of the way: what is left unread is at most what follows the read mark.
        const left = c.lastSeq > marks.read ? Math.min(c.unread, Number(c.lastSeq - marks.read)) : 0;
        const unreadMentions = Math.min(c.unreadMentions, left);
        return { ...c, marks: { ...c.marks, [action.userId]: marks }, unread: left, unreadMentions, ...(left === 0 ? { countedThrough: max(c.countedThrough, marks.read) } : {}) };
      });
    case "typing":
      return update(state, action.conversationId, (c) => ({ ...c, typing: { ...c.typing, [action.userId]: action.until } }));
    case "presence":
      return {
        ...state, online: { ...state.online, [action.userId]: action.online },
        ...(action.status ? { statuses: { ...state.statuses, [action.userId]: action.status } } : {}),
      };
    case "names":
      return { ...state, names: { ...state.names, ...action.names }, bots: action.bots ? { ...state.bots, ...action.bots } : state.bots };
    case "system":
      return update(state, action.conversationId, (c) => ({ ...c, systemLines: [...c.systemLines, action.line].slice(-maxSystemLines) }));
    case "open":
      if (!state.conversations[action.conversationId]) return state;
      return { ...state, openId: action.conversationId, found: state.found?.conversationId === action.conversationId ? state.found : undefined };
    case "notice":
      return { ...state, notice: action.text };
    case "mute": {
      const { [action.conversationId]: _was, ...others } = state.muted;
      return { ...state, muted: action.muted ? { ...others, [action.conversationId]: true } : others };
    }
    case "tick": {
      const expired = Object.values(state.conversations).filter((c) => c.mutedUntil !== undefined && c.mutedUntil <= action.now && state.muted[c.id]);
      const unmuted = expired.length ? { ...state, muted: Object.fromEntries(Object.entries(state.muted).filter(([id]) => !expired.some((c) => c.id === id))) } : state;
      return mapConversations(unmuted, (c) => {
        const typing = Object.fromEntries(Object.entries(c.typing).filter(([, until]) => until > action.now));
        return Object.keys(typing).length === Object.keys(c.typing).length ? c : { ...c, typing };
      });
    }
  }
}

function mergeConversation(state: ChatState, c: Conversation, now: number): ConversationState {
  const old = state.conversations[c.id];
  const marks: Record<string, Marks> = { ...old?.marks };
  for (const r of c.readStates) {
    const m = marks[r.userId];
    marks[r.userId] = { delivered: max(m?.delivered ?? 0n, r.deliveredSeq, r.readSeq), read: max(m?.read ?? 0n, r.readSeq) };
  }
  const activity = c.lastMessage?.sentAt ? timestampMs(c.lastMessage.sentAt) : c.createdAt ? timestampMs(c.createdAt) : now;
  return {
    id: c.id,
    kind: c.kind === ConversationKind.GROUP ? "group" : "direct",
    name: c.name,
    memberIds: c.members.map((m) => m.userId),
    admins: c.members.filter((m) => m.role === Role.OWNER || m.role === Role.ADMIN).map((m) => m.userId),
    lastSeq: max(old?.lastSeq ?? 0n, c.lastSeq),
    appliedSeq: old?.appliedSeq ?? 0n,
    lastActivity: Math.max(old?.lastActivity ?? 0, activity),
    messages: old?.messages ?? [],
    pending: old?.pending ?? [],
    loadingOlder: old?.loadingOlder ?? false,
    gapAfter: old?.gapAfter,
    mutedUntil: c.muted && c.mutedUntil ? timestampMs(c.mutedUntil) : undefined,
    // The server's count is the truth at the time of the list; later messages are counted by us.
    unread: Number(c.unreadCount),
    unreadMentions: Number(c.unreadMentionCount),
    countedThrough: c.lastSeq,
    marks,
    typing: old?.typing ?? {},
    systemLines: old?.systemLines ?? [],
  };
}

/**
 * A message from the live stream. An update entry only moves the conversation's end and replaces
 * the message it targets (when loaded: history brings the rest in its current state); a system
 * event takes the place of the same line made from a membership frame.
 */
function addMessage<S extends ChatState>(state: S, m: Message, now: number): S {
  const c = state.conversations[m.conversationId];
  if (!c) return state;
  const update = updateOf(m);
  if (update) {
    return withConversation(state, {
      ...c,
      messages: update.target ? replaceLoaded(c.messages, update.target) : c.messages,
      pending: c.pending.filter((p) => p.clientMessageId !== m.clientMessageId || m.senderId !== state.me),
      lastSeq: max(c.lastSeq, m.seq),
      appliedSeq: max(c.appliedSeq, m.seq),
      countedThrough: max(c.countedThrough, m.seq),
    });
  }
  const message = shownMessage(m);
  const counts = countsAsUnread(m, state.me) && m.seq > c.countedThrough && m.seq > (c.marks[state.me]?.read ?? 0n);
  const mentioned = counts && mentionsReader(message, state.me, state.names[state.me] ?? "");
  const { [m.senderId]: _stopped, ...typing } = c.typing;
  const event = message.system;
  return withConversation(state, {
    ...c,
    messages: insertAll(c.messages, [message]),
    pending: c.pending.filter((p) => p.clientMessageId !== m.clientMessageId || m.senderId !== state.me),
    lastSeq: max(c.lastSeq, m.seq),
    appliedSeq: max(c.appliedSeq, m.seq),
    lastActivity: event ? c.lastActivity : Math.max(c.lastActivity, m.sentAt ? timestampMs(m.sentAt) : now),
    unread: c.unread + (counts ? 1 : 0),
    unreadMentions: c.unreadMentions + (mentioned ? 1 : 0),
    countedThrough: max(c.countedThrough, m.seq),
    typing: event ? c.typing : typing,
    systemLines: event ? c.systemLines.filter((line) => !sameEvent(line, event)) : c.systemLines,
  });
}

/**
 * Replaces the loaded message with the same seq, and the quote of the loaded replies to it (the
 * server computes a preview when it serves a reply; an edit or delete after that changes it). A
 * message not loaded is left to history, which serves it as it is now.
 */
function replaceLoaded(list: ShownMessage[], message: ShownMessage): ShownMessage[] {
  if (!list.some((x) => x.seq === message.seq)) return list;
  const quote = replyTo(message);
  return list.map((x) => (x.seq === message.seq ? message : x.replyTo?.seq === message.seq ? { ...x, replyTo: quote } : x));
}

/** A page of history as shown: each message in its current state, so its update entries have nothing more to say. */
function shownOf(page: Message[]): ShownMessage[] {
  return page.filter((m) => !updateOf(m)).map(shownMessage);
}

/** The highest seq of a page (update entries included: they take seqs too), or undefined for an empty page. */
function newestSeq(page: Message[]): bigint | undefined {
  return page.length ? max(...page.map((m) => m.seq)) : undefined;
}

/** Merges messages into an ascending, duplicate-free list. */
function insertAll(list: ShownMessage[], added: ShownMessage[]): ShownMessage[] {
  const bySeq = new Map(list.map((m) => [m.seq, m]));
  for (const m of added) bySeq.set(m.seq, m);
  return [...bySeq.values()].sort((a, b) => (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0));
}

function withConversation<S extends ChatState>(state: S, c: ConversationState): S {
  return { ...state, conversations: { ...state.conversations, [c.id]: c } };
}

function update<S extends ChatState>(state: S, id: string, change: (c: ConversationState) => ConversationState): S {
  const c = state.conversations[id];
  return c ? withConversation(state, change(c)) : state;
}

function mapConversations<S extends ChatState>(state: S, change: (c: ConversationState) => ConversationState): S {
  return { ...state, conversations: Object.fromEntries(Object.entries(state.conversations).map(([id, c]) => [id, change(c)])) };
}

function max(...values: bigint[]): bigint {
  // biome-ignore lint/complexity/useMathMinMax: Math.max does not take bigints
  return values.reduce((a, b) => (a > b ? a : b));
}
