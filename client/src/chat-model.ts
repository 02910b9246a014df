import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code, type ConnectError } from "@connectrpc/connect";
import type { Conversation } from "@chat/gen/chat/v1/conversation_pb.js";
import { MembershipChange } from "@chat/gen/chat/v1/live_pb.js";
import { Direction, type Message } from "@chat/gen/chat/v1/message_pb.js";
import type { User } from "@chat/gen/chat/v1/user_pb.js";
import type { ChatAction, ChatState } from "./chat-state.ts";
import type { ChatClients } from "./clients.ts";
import { describeError } from "./describe-error.ts";
import type { LiveSession } from "./live-session.ts";
import type { UserDirectory } from "./user-directory.ts";
import { sameEvent, systemLineOf } from "./system-lines.ts";
import { userMessage } from "./user-message.ts";
import { type AvailabilityName, availabilityValues, statusOf } from "./user-status.ts";

/** What a message may carry besides its text. */
export interface SendOptions {
  /** The seq of the message it answers. */
  replyToSeq?: bigint;
  /** Completed uploads to attach (see `uploadFile`), with their names to show while it is sent. */
  attachments?: { id: string; fileName: string }[];
}

/** A new status: what is left out stays as it is. */
export interface StatusChange {
  availability?: AvailabilityName;
  /** The custom text ("" clears it), and when it clears by itself (ms since the epoch). */
  text?: { text: string; expiresAt?: number };
}

/** How to build a {@link ChatModel}. */
export interface ChatModelOptions<S extends ChatState, A> {
  /** The live session of the logged-in device (on any link). */
  session: LiveSession;
  /** Clients on the same authenticated transport. */
  clients: Pick<ChatClients, "conversations" | "history" | "live" | "users">;
  /** Names and first presence of the users met. */
  users: UserDirectory;
  /** The first state: `initialChatState(me)` plus the application's own fields. */
  state: S;
  /** The application's reducer: its own actions, and `reduceChat` for the rest. */
  reduce(state: S, action: ChatAction | A): S;
  /** The notice shown when the session closes for good (the token is no longer valid). */
  closedNotice?(error: ConnectError): string;
  /**
   * A message from someone else that is new to this person (it added to the unread count: not a
   * replay of what they had seen, nor their own), after it is in the state: where a client rings
   * the bell or shows a notification (see `shouldNotify`).
   */
  onNewMessage?(message: Message, state: S): void;
}

/** At most one typing frame per this long while typing (the server refuses more than 5 a second). */
const typingEveryMs = 2_000;
/** Marks are sent at most this often per conversation: a replay of 50 messages makes one frame. */
const markDelayMs = 100;
/** Older history is read in pages of this many messages. */
const historyPage = 50;
/** A message opened from a search comes with this many messages on each side. */
const contextSize = 20;

type MarkKind = "markDelivered" | "markRead";

/**
 * A chat client's behaviour, whatever draws it: feeds the live session's events into the state,
 * looks up names, marks what arrived as delivered, and does what a person asks (send, type, read,
 * read older history, start a conversation). A screen draws `state`, calls these methods, and
 * decides only what depends on the screen: what is visible (so read) and when to read older pages.
 */
export class ChatModel<S extends ChatState = ChatState, A = never> {
  private current: S;
  private readonly options: ChatModelOptions<S, A>;
  private readonly listeners = new Set<(state: S) => void>();
  private readonly stops: (() => void)[] = [];
  private lastTyping = { conversationId: "", at: 0 };
  /** Highest marks sent or waiting to be sent, per conversation. */
  private readonly marks = { markDelivered: new Map<string, bigint>(), markRead: new Map<string, bigint>() };
  private readonly pendingMarks = new Map<string, { kind: MarkKind; conversationId: string; seq: bigint }>();
  private markTimer: ReturnType<typeof setTimeout> | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  /** Conversations whose page after the gap is being read (one at a time each). */
  private readonly loadingNewer = new Set<string>();

  constructor(options: ChatModelOptions<S, A>) {
    this.options = options;
    this.current = options.state;
  }

  /** The current state. */
  get state(): S {
    return this.current;
  }

  /** Calls `listener` after every change, in the order listeners were added; returns the function that stops it. */
  subscribe(listener: (state: S) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** Applies an action and tells the listeners. */
  dispatch(action: ChatAction | A): void {
    this.current = this.options.reduce(this.current, action);
    for (const listener of this.listeners) listener(this.current);
  }

  /** Starts listening to the session, and the clock that expires typing indicators. */
  start(): void {
    const { session, users } = this.options;
    const me = this.current.me;
    // Events are applied one after the other, in the order they came, even when one of them has to
    // look names up first: a message must not overtake the conversation it belongs to.
    const on: LiveSession["on"] = (event, listener) => session.on(event, ((...args: never[]) => {
      this.chain = this.chain.then(() => (listener as (...a: never[]) => unknown)(...args)).catch((err) => {
        this.dispatch({ type: "notice", text: describeError(err) });
      });
    }) as typeof listener);
    this.stops.push(
      on("state", (state, error) => {
        this.dispatch({ type: "connection", state, error: error && error.code !== Code.Canceled ? userMessage(error) : "" });
        if (state === "closed" && error?.code === Code.Unauthenticated) {
          this.dispatch({ type: "notice", text: this.options.closedNotice?.(error) ?? describeError(error) });
        }
      }),
      on("conversations", async (list) => {
        await this.loadNames(list.flatMap(memberIds));
        this.dispatch({ type: "conversations", conversations: list, now: Date.now() });
      }),
      on("message", (m) => this.onMessage(m)),
      on("ack", (ack) => this.dispatch({ type: "ack", conversationId: ack.conversationId, clientMessageId: ack.clientMessageId, seq: ack.seq })),
      on("receipt", (e) => e.state && this.dispatch({ type: "marks", conversationId: e.conversationId, userId: e.state.userId, delivered: e.state.deliveredSeq, read: e.state.readSeq })),
      on("typing", (e) => this.dispatch({ type: "typing", conversationId: e.conversationId, userId: e.userId, until: e.typing ? Date.now() + (e.expiresInMs || 5_000) : 0 })),
      on("presence", (p) => {
        users.setPresence(p);
        this.dispatch({ type: "presence", userId: p.userId, online: p.online, status: statusOf(p) });
      }),
      on("membership", async (e) => {
        const c = e.conversation;
        if (!c) return;
        const gone = (e.change === MembershipChange.LEFT || e.change === MembershipChange.REMOVED) && e.userIds.includes(me);
        if (gone) return this.dispatch({ type: "left", conversationId: c.id });
        const afterSeq = this.current.conversations[c.id]?.lastSeq ?? c.lastSeq;
        await this.loadNames([e.actorId, ...e.userIds]);
        await this.show(c);
        const line = systemLineOf(e, afterSeq, Date.now());
        // A server that writes system events into the stream has told it already (or soon will: see sameEvent).
        const told = line && this.current.conversations[c.id]?.messages.some((m) => m.system && sameEvent(line, m.system));
        if (line && !told) this.dispatch({ type: "system", conversationId: c.id, line });
      }),
      on("conversationUpdate", (c) => this.show(c)),
      on("error", (e) => !e.clientMessageId && this.dispatch({ type: "notice", text: `server: ${e.message}` })),
    );
    this.chain = this.chain.then(() => this.loadNames([me])).then(() => this.dispatch({ type: "notice", text: "" }));
    const clock = setInterval(() => this.dispatch({ type: "tick", now: Date.now() }), 1_000);
    this.stops.push(() => clearInterval(clock));
    session.start();
  }

  /** Stops listening, sends the marks still waiting, and closes the session. */
  async close(): Promise<void> {
    for (const stop of this.stops.splice(0)) stop();
    this.flushMarks();
    await this.options.session.close();
  }

  /**
   * Sends a message to a conversation: shown at once as pending, then ✓ on its ACK. Queued while
   * offline. Returns its client_message_id.
   */
  send(conversationId: string, text: string, options: SendOptions = {}): string {
    this.lastTyping = { conversationId: "", at: 0 }; // the server ends the indicator when the message lands
    const clientMessageId = globalThis.crypto.randomUUID();
    const { replyToSeq, attachments = [] } = options;
    this.dispatch({ type: "sending", conversationId, clientMessageId, text, ...(replyToSeq ? { replyToSeq } : {}), fileNames: attachments.map((a) => a.fileName) });
    const extra = { ...(replyToSeq ? { replyToSeq } : {}), ...(attachments.length ? { attachmentIds: attachments.map((a) => a.id) } : {}) };
    this.options.session.send(conversationId, text, clientMessageId, extra).catch((err) => {
      this.dispatch({ type: "sendFailed", clientMessageId, error: describeError(err) });
    });
    return clientMessageId;
  }

  /** Changes the text of one of my messages; the edited message shows at once. Rejects with the server's refusal. */
  async edit(conversationId: string, seq: bigint, text: string): Promise<void> {
    const res = await this.options.clients.live.editMessage({ conversationId, seq, text, clientMessageId: globalThis.crypto.randomUUID() });
    if (res.message) this.dispatch({ type: "replaced", message: res.message });
  }

  /** Deletes a message for everyone (mine, or any as a group admin); the tombstone shows at once. */
  async remove(conversationId: string, seq: bigint): Promise<void> {
    const res = await this.options.clients.live.deleteMessage({ conversationId, seq, clientMessageId: globalThis.crypto.randomUUID() });
    if (res.message) this.dispatch({ type: "replaced", message: res.message });
  }

  /**
   * Toggles my reaction with `emoji` on a message (adds it, or removes it when I had it); returns
   * true when it was added.
   */
  async react(conversationId: string, seq: bigint, emoji: string): Promise<boolean> {
    const loaded = this.current.conversations[conversationId]?.messages.find((m) => m.seq === seq);
    const reacted = !loaded?.reactions.some((r) => r.emoji === emoji && r.userIds.includes(this.current.me));
    const res = await this.options.clients.live.setReaction({ conversationId, seq, emoji, reacted, clientMessageId: globalThis.crypto.randomUUID() });
    if (res.message) this.dispatch({ type: "replaced", message: res.message });
    return reacted;
  }

  /** Sets my availability and/or custom status text; every device of mine and my contacts see it. */
  async setStatus(change: StatusChange): Promise<void> {
    const { presence } = await this.options.clients.users.setStatus({
      ...(change.availability ? { availability: availabilityValues[change.availability] } : {}),
      ...(change.text ? { setText: true, statusText: change.text.text, ...(change.text.expiresAt ? { statusExpiresAt: timestampFromMs(change.text.expiresAt) } : {}) } : {}),
    });
    if (presence) this.dispatch({ type: "presence", userId: this.current.me, online: presence.online || this.current.online[this.current.me] === true, status: statusOf(presence) });
  }

  /** The draft in a conversation changed: starts, keeps up (throttled) or stops the typing indicator. */
  draftChanged(conversationId: string, draft: string): void {
    const { session } = this.options;
    const now = Date.now();
    if (draft.trim() === "") {
      if (this.lastTyping.at > 0) session.setTyping(this.lastTyping.conversationId, false);
      this.lastTyping = { conversationId: "", at: 0 };
    } else if (this.lastTyping.conversationId !== conversationId || now - this.lastTyping.at >= typingEveryMs) {
      if (session.setTyping(conversationId, true)) this.lastTyping = { conversationId, at: now };
    }
  }

  /** The person has seen a conversation up to `seq`: shown as read at once, sent shortly after. */
  markRead(conversationId: string, seq: bigint): void {
    if ((this.marks.markRead.get(conversationId) ?? 0n) >= seq) return;
    this.queueMark("markRead", conversationId, seq);
    this.dispatch({ type: "marks", conversationId, userId: this.current.me, delivered: seq, read: seq });
  }

  /** Reads the page of history before the oldest loaded message. */
  async loadOlder(conversationId: string): Promise<void> {
    const c = this.current.conversations[conversationId];
    if (!c || c.loadingOlder) return;
    this.dispatch({ type: "loadingOlder", conversationId });
    try {
      const { messages } = await this.options.clients.history.listMessages({
        conversationId, anchorSeq: c.messages[0]?.seq ?? 0n, direction: Direction.BACKWARD, limit: historyPage,
      });
      await this.loadNames(messages.map((m) => m.senderId));
      this.dispatch({ type: "older", conversationId, messages });
    } catch (err) {
      // Leave it marked as not loading so that the next try reads again.
      this.dispatch({ type: "older", conversationId, messages: [] });
      this.dispatch({ type: "notice", text: `could not read older messages: ${describeError(err)}` });
    }
  }

  /**
   * Opens a conversation at one of its messages (a search hit): the messages around `seq` (one
   * ListMessages backward and one forward from it) replace those loaded, and the message becomes
   * `found`, for the screen to bring into view and highlight. Newer messages come with `loadNewer`,
   * or all at once with `showNewest`. Rejects with the server's refusal (NotFound when no longer a member).
   */
  async openAt(conversationId: string, seq: bigint, context = contextSize): Promise<void> {
    const { conversations, history } = this.options.clients;
    if (!this.current.conversations[conversationId]) await this.show((await conversations.getConversation({ conversationId })).conversation!);
    const [before, after] = await Promise.all([
      history.listMessages({ conversationId, anchorSeq: seq + 1n, direction: Direction.BACKWARD, limit: context + 1 }),
      history.listMessages({ conversationId, anchorSeq: seq, direction: Direction.FORWARD, limit: context }),
    ]);
    const messages = [...before.messages, ...after.messages];
    await this.loadNames(messages.map((m) => m.senderId));
    this.dispatch({ type: "open", conversationId });
    this.dispatch({ type: "window", conversationId, messages, more: after.hasMore, found: seq });
  }

  /** Reads the page after the gap that `openAt` left (when there is one); the gap closes when it reaches the newest message. */
  async loadNewer(conversationId: string): Promise<void> {
    const after = this.current.conversations[conversationId]?.gapAfter;
    if (after === undefined || this.loadingNewer.has(conversationId)) return;
    this.loadingNewer.add(conversationId);
    try {
      const { messages, hasMore } = await this.options.clients.history.listMessages({ conversationId, anchorSeq: after, direction: Direction.FORWARD, limit: historyPage });
      await this.loadNames(messages.map((m) => m.senderId));
      this.dispatch({ type: "newer", conversationId, messages, more: hasMore });
    } catch (err) {
      this.dispatch({ type: "notice", text: `could not read newer messages: ${describeError(err)}` });
    } finally {
      this.loadingNewer.delete(conversationId);
    }
  }

  /** Back to the newest page of a conversation, in place of what was loaded (leaving a message opened from a search far behind). */
  async showNewest(conversationId: string): Promise<void> {
    const { messages } = await this.options.clients.history.listMessages({ conversationId, anchorSeq: 0n, direction: Direction.BACKWARD, limit: historyPage });
    await this.loadNames(messages.map((m) => m.senderId));
    this.dispatch({ type: "window", conversationId, messages, more: false });
  }

  /**
   * Mutes (for `forMs`, or until unmuted) or unmutes a conversation for every device of mine
   * (ConversationService.MuteConversation): no push notification, no bell, not in the unread total.
   */
  async setMuted(conversationId: string, muted: boolean, forMs?: number): Promise<void> {
    const until = muted && forMs ? { until: timestampFromMs(Date.now() + forMs) } : {};
    const { conversation } = await this.options.clients.conversations.muteConversation({ conversationId, muted, ...until });
    if (conversation) await this.show(conversation);
  }

  /** Opens the direct conversation with a user (created on first use). Rejects when there is no such user. */
  async openDirect(username: string): Promise<void> {
    await this.showAndOpen((await this.options.clients.conversations.getOrCreateDirect({ username: username.replace(/^@/, "") })).conversation!);
  }

  /** Up to `limit` users whose names start with `query`, for a new-conversation dialog. */
  searchUsers(query: string, limit = 8): Promise<User[]> {
    return this.options.users.search(query, limit);
  }

  /** Creates a group with me as owner and opens it. */
  async createGroup(name: string, usernames: string[]): Promise<void> {
    const memberUsernames = usernames.map((u) => u.replace(/^@/, ""));
    await this.showAndOpen((await this.options.clients.conversations.createGroup({ name, memberUsernames })).conversation!);
  }

  /** Adds members to a group. */
  async addMembers(conversationId: string, usernames: string[]): Promise<void> {
    await this.show((await this.options.clients.conversations.addMembers({ conversationId, usernames: usernames.map((u) => u.replace(/^@/, "")) })).conversation!);
  }

  /** Leaves a group. */
  async leave(conversationId: string): Promise<void> {
    await this.options.clients.conversations.leaveConversation({ conversationId });
    this.dispatch({ type: "left", conversationId });
  }

  private async onMessage(m: Message): Promise<void> {
    if (m.senderId !== this.current.me) this.queueMark("markDelivered", m.conversationId, m.seq);
    if (!this.current.conversations[m.conversationId]) {
      // A conversation the list did not have yet (its membership event was missed): fetch it.
      const { conversation } = await this.options.clients.conversations.getConversation({ conversationId: m.conversationId });
      await this.show(conversation!);
    }
    if (!this.current.names[m.senderId]) await this.loadNames([m.senderId]);
    const unread = this.current.conversations[m.conversationId]?.unread ?? 0;
    this.dispatch({ type: "messages", messages: [m], now: Date.now() });
    if ((this.current.conversations[m.conversationId]?.unread ?? 0) > unread) this.options.onNewMessage?.(m, this.current);
  }

  private queueMark(kind: MarkKind, conversationId: string, seq: bigint): void {
    const marks = this.marks[kind];
    if ((marks.get(conversationId) ?? 0n) >= seq) return;
    marks.set(conversationId, seq);
    this.pendingMarks.set(`${kind}\n${conversationId}`, { kind, conversationId, seq });
    this.markTimer ??= setTimeout(() => this.flushMarks(), markDelayMs);
  }

  private flushMarks(): void {
    clearTimeout(this.markTimer);
    this.markTimer = undefined;
    for (const { kind, conversationId, seq } of this.pendingMarks.values()) this.options.session[kind](conversationId, seq);
    this.pendingMarks.clear();
  }

  /** Adds (or refreshes) a conversation, with its members' names. */
  private async show(conversation: Conversation): Promise<void> {
    await this.loadNames(memberIds(conversation));
    this.dispatch({ type: "conversation", conversation, now: Date.now() });
  }

  private async showAndOpen(conversation: Conversation): Promise<void> {
    await this.show(conversation);
    this.dispatch({ type: "open", conversationId: conversation.id });
    this.dispatch({ type: "notice", text: "" });
  }

  /** Looks up the names (and first presence) of users into the state. */
  private async loadNames(ids: string[]): Promise<void> {
    const { users, reduce } = this.options;
    try {
      await users.load(ids);
    } catch {
      // Names are cosmetic: show ids rather than nothing.
    }
    const names: Record<string, string> = {};
    const bots: Record<string, boolean> = {};
    for (const id of ids) {
      const user = users.get(id);
      if (user) names[id] = user.username;
      if (user?.bot) bots[id] = true;
      const presence = users.presence(id);
      if (presence && this.current.online[id] === undefined) this.current = reduce(this.current, { type: "presence", userId: id, online: presence.online, status: statusOf(presence) });
    }
    this.current = reduce(this.current, { type: "names", names, bots });
  }
}

function memberIds(c: Pick<Conversation, "members">): string[] {
  return c.members.map((m) => m.userId);
}
