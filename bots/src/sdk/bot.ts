import * as grpc from "@grpc/grpc-js";
import type { SendMessageResponse } from "@chat/gen/chat/v1/live_pb.js";
import type { MembershipEvent } from "@chat/gen/chat/v1/live_pb.js";
import type { Message } from "@chat/gen/chat/v1/message_pb.js";
import type { User } from "@chat/gen/chat/v1/user_pb.js";
import { type BackoffOptions, type ChatClients, createChatClients, LiveSession } from "@chat/client";
import { type CursorStore, fileCursorStore } from "./cursor-store.ts";
import { type ClosableTransport, grpcJsTransport } from "./grpc-js-transport.ts";

/** Options of {@link Bot}. */
export interface BotOptions {
  /**
   * The chat server: "host:port" or "http://host:port" for plaintext (h2c), "https://host:port" for
   * TLS, checked against the system's CAs or `ca`.
   */
  server: string;
  /** PEM of the CA that signed an `https://` server's certificate (self-signed or private); the system's CAs by default. */
  ca?: string | Buffer;
  /** An API token of the bot (BotService.CreateBotToken, by its owner). */
  token: string;
  /** Where handled positions are kept; a file `bot-cursors.json` in the working directory by default. */
  cursors?: CursorStore;
  /** Also handle messages of other bots. Off by default: two bots answering each other never stop. */
  listenToBots?: boolean;
  /** Deadline of each call the SDK makes for the bot (lookups, the conversation list). Default 10 s. */
  callTimeoutMs?: number;
  /** Reconnect delays (exponential with full jitter; 250 ms base, 10 s cap by default). */
  backoff?: BackoffOptions;
  /** Channel credentials, replacing what `server` and `ca` imply (client certificates, say). */
  credentials?: grpc.ChannelCredentials;
  /** Where the SDK says what happens (handler failures, reconnects); stderr by default. */
  log?: (line: string) => void;
}

/** What a handler gets for one message. */
export interface MessageContext {
  message: Message;
  /** The sender as UserService.GetUsers describes them. */
  sender: User;
  /** Aborted when the bot stops: long handlers should give up. */
  signal: AbortSignal;
  /**
   * Posts in the message's conversation. Idempotent across restarts: the n-th reply to a message
   * carries the same client message id each time, so a message handled again is not answered twice.
   */
  reply(text: string): Promise<SendMessageResponse>;
}

/** What a command handler gets: `/remind 10m stand-up` is command "remind", args ["10m", "stand-up"]. */
export interface CommandContext extends MessageContext {
  command: string;
  args: string[];
  /** Everything after the command, as typed. */
  rest: string;
}

type Handler<C> = (ctx: C) => unknown;

/** How many senders a bot remembers (a map keyed by what others send must stay bounded). */
const maxKnownUsers = 10_000;

/**
 * A bot: connects with its token over @grpc/grpc-js, keeps one LiveService.Stream up (the shared
 * client library's LiveSession: reconnect with backoff, resume, each message once and in order),
 * and hands each message to its handlers, one at a time. After the handlers of a message finish, its
 * seq is saved (see {@link CursorStore}) and marked read: a restart resumes after the last handled
 * message, so nothing is lost, and replies carry ids derived from the message, so nothing is
 * answered twice. Messages of bots are skipped unless `listenToBots`; the bot's own always are.
 */
export class Bot {
  private readonly options: BotOptions;
  private readonly transport: ClosableTransport;
  private readonly clients: ChatClients;
  private readonly cursors: CursorStore;
  private readonly stopping = new AbortController();
  private readonly users = new Map<string, User>();
  private readonly commands = new Map<string, Handler<CommandContext>>();
  private readonly messageHandlers: Handler<MessageContext>[] = [];
  private readonly mentionHandlers: Handler<MessageContext>[] = [];
  private readonly membershipHandlers: Handler<MembershipEvent>[] = [];
  private session: LiveSession | undefined;
  /** Messages are handled one after another, in the order they arrive. */
  private queue: Promise<void> = Promise.resolve();
  private me: User | undefined;

  constructor(options: BotOptions) {
    this.options = options;
    const tls = /^https:\/\//i.test(options.server);
    const credentials = options.credentials
      ?? (tls ? grpc.credentials.createSsl(options.ca === undefined ? null : Buffer.from(options.ca)) : grpc.credentials.createInsecure());
    this.transport = grpcJsTransport({ address: options.server.replace(/^https?:\/\//i, "").replace(/\/+$/, ""), token: options.token, credentials });
    this.clients = createChatClients(this.transport);
    this.cursors = options.cursors ?? fileCursorStore("bot-cursors.json");
  }

  /** The bot's own account, once started. */
  get user(): User {
    if (!this.me) throw new Error("the bot has not started");
    return this.me;
  }

  /** Handles every message (that no command took). */
  onMessage(handler: Handler<MessageContext>): this {
    this.messageHandlers.push(handler);
    return this;
  }

  /** Handles `/name args…`. */
  command(name: string, handler: Handler<CommandContext>): this {
    this.commands.set(name.replace(/^\//, "").toLowerCase(), handler);
    return this;
  }

  /** Handles messages that mention the bot (`@botname`). */
  onMention(handler: Handler<MessageContext>): this {
    this.mentionHandlers.push(handler);
    return this;
  }

  /** Handles members joining and leaving the bot's conversations (the bot itself included). */
  onMembership(handler: Handler<MembershipEvent>): this {
    this.membershipHandlers.push(handler);
    return this;
  }

  /** Posts a message; `clientMessageId` makes it idempotent (a retry with the same id is stored once). */
  send(conversationId: string, text: string, clientMessageId?: string): Promise<SendMessageResponse> {
    if (!this.session) throw new Error("the bot has not started");
    return this.session.send(conversationId, text, clientMessageId);
  }

  /** Logs in with the token, loads the cursors and starts the stream. Rejects when the token is refused. */
  async start(): Promise<this> {
    const { user } = await this.clients.auth.whoAmI({}, { timeoutMs: this.timeoutMs, signal: this.stopping.signal });
    this.me = user!;
    this.users.set(this.me.id, this.me);
    const session = new LiveSession({
      clients: this.clients, cursors: await this.cursors.load(),
      replayUnknown: 0, // a conversation met for the first time starts now: a bot does not answer old history
      ...(this.options.backoff ? { backoff: this.options.backoff } : {}),
    });
    session.on("message", (message) => this.enqueue(() => this.handle(message)));
    session.on("membership", (event) => this.enqueue(() => this.run(this.membershipHandlers, event)));
    session.on("state", (state, error) => {
      if (error && state !== "online") this.log(`stream ${state}: ${error.rawMessage}`);
    });
    this.session = session.start();
    return this;
  }

  /** Stops: aborts running handlers' signal, waits for them, closes the stream and the channel. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.queue;
    await this.session?.close();
    this.transport.close();
  }

  private get timeoutMs(): number {
    return this.options.callTimeoutMs ?? 10_000;
  }

  private enqueue(task: () => Promise<void>): void {
    this.queue = this.queue.then(() => (this.stopping.signal.aborted ? undefined : task()));
  }

  private async handle(message: Message): Promise<void> {
    const done = async () => {
      await this.cursors.save(message.conversationId, message.seq);
      this.session?.markRead(message.conversationId, message.seq);
    };
    if (message.senderId === this.me?.id) return done();
    // System events ("alice added bob") and update entries (edits, deletes, reactions) are no one
    // speaking to the bot: no handler hears them (a bot that answered each would echo every change).
    if (message.content.case === "systemEvent" || message.content.case === "update") return done();
    const sender = await this.lookup(message.senderId);
    if (!sender) return; // not saved: the lookup failed (logged); a restart handles the message again
    if (sender.bot && !this.options.listenToBots) return done();
    const ctx = this.context(message, sender);
    const command = /^\/([a-z0-9_-]+)(?:\s+([\s\S]*))?$/i.exec(message.text.trim());
    const handler = command && this.commands.get(command[1]!.toLowerCase());
    if (command && handler) {
      const rest = (command[2] ?? "").trim();
      await this.run([handler], { ...ctx, command: command[1]!.toLowerCase(), rest, args: rest ? rest.split(/\s+/) : [] });
    } else {
      const mentioned = new RegExp(`(^|\\W)@${this.user.username.replace(/[.]/g, "\\.")}(\\W|$)`, "i").test(message.text);
      if (mentioned) await this.run(this.mentionHandlers, ctx);
      await this.run(this.messageHandlers, ctx);
    }
    await done();
  }

  private context(message: Message, sender: User): MessageContext {
    let replies = 0;
    return {
      message, sender, signal: this.stopping.signal,
      reply: (text) => this.send(message.conversationId, text, `reply-${message.conversationId}-${message.seq}-${replies++}`),
    };
  }

  /** Runs handlers; a failing handler is logged and the message counts as handled (no poison loop). */
  private async run<C>(handlers: readonly Handler<C>[], ctx: C): Promise<void> {
    for (const handler of handlers) {
      try {
        await handler(ctx);
      } catch (err) {
        this.log(`a handler failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  /** The sender, looked up once with a deadline; undefined when the lookup failed (logged). */
  private async lookup(userId: string): Promise<User | undefined> {
    const known = this.users.get(userId);
    if (known) return known;
    try {
      const { users } = await this.clients.users.getUsers({ userIds: [userId] }, { timeoutMs: this.timeoutMs, signal: this.stopping.signal });
      const user = users[0];
      if (this.users.size >= maxKnownUsers) this.users.clear();
      if (user) this.users.set(userId, user);
      return user;
    } catch (err) {
      this.log(`could not look sender ${userId} up: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    }
  }

  private log(line: string): void {
    (this.options.log ?? ((l: string) => console.error(`bot: ${l}`)))(line);
  }
}
