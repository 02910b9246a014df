import { Code } from "@connectrpc/connect";
import type { ChatClients, LiveSession, UserDirectory } from "@chat/client";
import type { Conversation } from "@chat/gen/chat/v1/conversation_pb.js";
import { MembershipChange } from "@chat/gen/chat/v1/live_pb.js";
import { Direction, type Message } from "@chat/gen/chat/v1/message_pb.js";
import { describeError } from "../errors.ts";
import { readUpTo, type ScreenSize, wantsOlder } from "./screen.ts";
import { parseInput, type SlashCommand } from "./slash-commands.ts";
import { type Action, initialState, reduce, type ViewState } from "./view-model.ts";

/** What the controller drives. */
export interface ControllerOptions {
  session: LiveSession;
  clients: ChatClients;
  users: UserDirectory;
  /** The logged-in user's id. */
  me: string;
  /** Called when the person asks to quit (/quit). */
  onQuit(): void;
}

/** At most one typing frame per this long while typing (the server refuses more than 5 a second). */
const typingEveryMs = 2_000;
/** Marks are sent at most this often per conversation: a replay of 50 messages makes one frame. */
const markDelayMs = 100;
/** Older history is read in pages of this many messages. */
const historyPage = 50;

/**
 * The interactive client's behaviour: feeds the live session's events and the keyboard into the
 * view model, and does what the state asks for (mark read, read older history, send typing).
 * The Ink components only draw `state` and call the key methods.
 */
export class ChatController {
  private current: ViewState;
  private readonly options: ControllerOptions;
  private readonly listeners = new Set<(state: ViewState) => void>();
  private readonly stops: (() => void)[] = [];
  private size: ScreenSize = { width: 80, height: 24 };
  private lastTyping = { conversationId: "", at: 0 };
  /** Highest marks sent or waiting to be sent, per conversation. */
  private readonly marks = { markDelivered: new Map<string, bigint>(), markRead: new Map<string, bigint>() };
  private readonly pendingMarks = new Map<string, { kind: "markDelivered" | "markRead"; conversationId: string; seq: bigint }>();
  private markTimer: ReturnType<typeof setTimeout> | undefined;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(options: ControllerOptions) {
    this.options = options;
    this.current = initialState(options.me);
  }

  /** The current state. */
  get state(): ViewState {
    return this.current;
  }

  /** Calls `listener` after every change; returns the function that stops it. */
  subscribe(listener: (state: ViewState) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** Starts listening to the session, and the clock that expires typing indicators. */
  start(): void {
    const { session, users } = this.options;
    // Events are applied one after the other, in the order they came, even when one of them has to
    // look names up first: a message must not overtake the conversation it belongs to.
    const on: LiveSession["on"] = (event, listener) => session.on(event, ((...args: never[]) => {
      this.chain = this.chain.then(() => (listener as (...a: never[]) => unknown)(...args)).catch((err) => {
        this.dispatch({ type: "notice", text: describeError(err) });
      });
    }) as typeof listener);
    this.stops.push(
      on("state", (state, error) => {
        this.dispatch({ type: "connection", state });
        // A session closes for good only when the token is no longer valid: say what to do.
        if (state === "closed" && error?.code === Code.Unauthenticated) {
          this.dispatch({ type: "notice", text: `${describeError(error)}; quit (Ctrl-C) and run \`chat login\`` });
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
        this.dispatch({ type: "presence", userId: p.userId, online: p.online });
      }),
      on("membership", (e) => {
        const c = e.conversation;
        if (!c) return;
        const gone = (e.change === MembershipChange.LEFT || e.change === MembershipChange.REMOVED) && e.userIds.includes(this.options.me);
        if (gone) return this.dispatch({ type: "left", conversationId: c.id });
        return this.loadNames(memberIds(c)).then(() => this.dispatch({ type: "conversation", conversation: c, now: Date.now() }));
      }),
      on("error", (e) => !e.clientMessageId && this.dispatch({ type: "notice", text: `server: ${e.message}` })),
    );
    this.chain = this.chain.then(() => this.loadNames([this.options.me])).then(() => this.dispatch({ type: "notice", text: "" }));
    const clock = setInterval(() => this.dispatch({ type: "tick", now: Date.now() }), 1_000);
    this.stops.push(() => clearInterval(clock));
    session.start();
  }

  /** Stops listening and closes the session. */
  async close(): Promise<void> {
    for (const stop of this.stops.splice(0)) stop();
    this.flushMarks();
    await this.options.session.close();
  }

  /** The terminal was resized. */
  resize(size: ScreenSize): void {
    this.size = size;
    this.afterChange();
  }

  /** The input line changed (a key was typed or erased). */
  edit(text: string): void {
    this.dispatch({ type: "input", text });
    const open = this.current.openId;
    if (!open || text.startsWith("/")) return;
    const now = Date.now();
    if (text.trim() === "") {
      if (this.lastTyping.at > 0) this.options.session.setTyping(this.lastTyping.conversationId, false);
      this.lastTyping = { conversationId: "", at: 0 };
    } else if (this.lastTyping.conversationId !== open || now - this.lastTyping.at >= typingEveryMs) {
      if (this.options.session.setTyping(open, true)) this.lastTyping = { conversationId: open, at: now };
    }
  }

  /** Enter: sends the line, or runs the command on it. */
  submit(): void {
    const line = this.current.input;
    if (line.trim() === "") return;
    this.dispatch({ type: "input", text: "" });
    const parsed = parseInput(line);
    if (parsed.kind === "invalid") return this.dispatch({ type: "notice", text: parsed.message });
    if (parsed.kind === "command") return void this.run(parsed.command);
    const open = this.current.openId;
    if (!open) return this.dispatch({ type: "notice", text: "no conversation open: /new @username first" });
    this.lastTyping = { conversationId: "", at: 0 }; // the server ends the indicator when the message lands
    const clientMessageId = globalThis.crypto.randomUUID();
    this.dispatch({ type: "sending", conversationId: open, clientMessageId, text: parsed.text });
    this.options.session.send(open, parsed.text, clientMessageId).catch((err) => {
      this.dispatch({ type: "sendFailed", clientMessageId, error: describeError(err) });
    });
  }

  /** Scrolls the message area (positive: towards older messages). */
  scroll(lines: number): void {
    this.dispatch({ type: "scroll", lines });
  }

  /** Scrolls by a page. */
  page(direction: 1 | -1): void {
    this.scroll(direction * Math.max(1, this.size.height - 6));
  }

  /** Opens the next or previous conversation. */
  cycle(step: 1 | -1): void {
    this.dispatch({ type: "cycle", step });
  }

  private dispatch(action: Action): void {
    this.current = reduce(this.current, action);
    this.afterChange();
  }

  /** Effects the new state calls for, then a redraw. */
  private afterChange(): void {
    const read = readUpTo(this.current);
    if (read && (this.marks.markRead.get(read.conversationId) ?? 0n) < read.seq) {
      this.queueMark("markRead", read.conversationId, read.seq);
      // Shown as read at once; the server's receipt confirms it.
      this.current = reduce(this.current, { type: "marks", conversationId: read.conversationId, userId: this.options.me, delivered: read.seq, read: read.seq });
    }
    if (wantsOlder(this.current, this.size)) void this.loadOlder(this.current.openId!);
    for (const listener of this.listeners) listener(this.current);
  }

  private async onMessage(m: Message): Promise<void> {
    if (m.senderId !== this.options.me) this.queueMark("markDelivered", m.conversationId, m.seq);
    if (!this.current.conversations[m.conversationId]) {
      // A conversation the list did not have yet (its membership event was missed): fetch it.
      const { conversation } = await this.options.clients.conversations.getConversation({ conversationId: m.conversationId });
      await this.loadNames(memberIds(conversation!));
      this.dispatch({ type: "conversation", conversation: conversation!, now: Date.now() });
    }
    if (!this.current.names[m.senderId]) await this.loadNames([m.senderId]);
    this.dispatch({ type: "messages", messages: [m], now: Date.now() });
  }

  private queueMark(kind: "markDelivered" | "markRead", conversationId: string, seq: bigint): void {
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

  private async loadOlder(conversationId: string): Promise<void> {
    const c = this.current.conversations[conversationId];
    if (!c) return;
    this.dispatch({ type: "loadingOlder", conversationId });
    try {
      const { messages } = await this.options.clients.history.listMessages({
        conversationId, anchorSeq: c.messages[0]?.seq ?? 0n, direction: Direction.BACKWARD, limit: historyPage,
      });
      await this.loadNames(messages.map((m) => m.senderId));
      this.dispatch({ type: "older", conversationId, messages });
    } catch (err) {
      // Leave it marked as not loading so the next scroll to the top tries again.
      this.dispatch({ type: "older", conversationId, messages: [] });
      this.dispatch({ type: "notice", text: `could not read older messages: ${describeError(err)}` });
    }
  }

  /** Looks up the names (and first presence) of users into the state. */
  private async loadNames(ids: string[]): Promise<void> {
    const { users } = this.options;
    try {
      await users.load(ids);
    } catch {
      // Names are cosmetic: show ids rather than nothing.
    }
    const names: Record<string, string> = {};
    for (const id of ids) {
      const user = users.get(id);
      if (user) names[id] = user.username;
      const presence = users.presence(id);
      if (presence && this.current.online[id] === undefined) this.current = reduce(this.current, { type: "presence", userId: id, online: presence.online });
    }
    this.current = reduce(this.current, { type: "names", names });
  }

  private async run(command: SlashCommand): Promise<void> {
    const { conversations } = this.options.clients;
    const open = this.current.openId;
    try {
      switch (command.kind) {
        case "help":
          return this.dispatch({ type: "help", show: !this.current.showHelp });
        case "quit":
          return this.options.onQuit();
        case "new":
          return this.show((await conversations.getOrCreateDirect({ username: command.username })).conversation!);
        case "group":
          return this.show((await conversations.createGroup({ name: command.name, memberUsernames: command.usernames })).conversation!);
        case "add":
          if (!open) return this.dispatch({ type: "notice", text: "no conversation open" });
          await this.show((await conversations.addMembers({ conversationId: open, usernames: command.usernames })).conversation!);
          return this.dispatch({ type: "notice", text: `added ${command.usernames.map((u) => `@${u}`).join(", ")}` });
        case "leave":
          if (!open) return this.dispatch({ type: "notice", text: "no conversation open" });
          await conversations.leaveConversation({ conversationId: open });
          this.dispatch({ type: "left", conversationId: open });
          return this.dispatch({ type: "notice", text: "left the conversation" });
      }
    } catch (err) {
      this.dispatch({ type: "notice", text: describeError(err) });
    }
  }

  /** Adds (or refreshes) a conversation and opens it. */
  private async show(conversation: Conversation): Promise<void> {
    await this.loadNames(memberIds(conversation));
    this.dispatch({ type: "conversation", conversation, now: Date.now() });
    this.dispatch({ type: "open", conversationId: conversation.id });
    this.dispatch({ type: "notice", text: "" });
  }
}

function memberIds(c: Pick<Conversation, "members">): string[] {
  return c.members.map((m) => m.userId);
}
