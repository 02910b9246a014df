import { Code, ConnectError } from "@connectrpc/connect";
import type { Conversation } from "@chat/gen/chat/v1/conversation_pb.js";
import { type FrameError, MembershipChange, type Ready, type SendMessageResponse, type ServerFrame } from "@chat/gen/chat/v1/live_pb.js";
import { Direction } from "@chat/gen/chat/v1/message_pb.js";
import { Backoff, type BackoffOptions, backoffDelay, retryAfterMs } from "./backoff.ts";
import { asConnectionLoss } from "./connection-loss.ts";
import { FrameQueue } from "./frame-queue.ts";
import { type ClientFrame, type LiveLink, streamLink } from "./live-link.ts";
import type { LiveCursor, LiveEvents, LiveSessionOptions, LiveState } from "./live-session-types.ts";
import { Listeners } from "./listeners.ts";
import { MessageOrder } from "./message-order.ts";
import { isTransient, type OutgoingMessage, type PendingSend, SendQueue } from "./send-queue.ts";

export type { LiveCursor, LiveEvents, LiveSessionOptions, LiveState };

/** Frames the session takes in one response from the server (ResumeRequest.max_batch). */
const maxBatch = 64;

type FrameOf<K extends NonNullable<ServerFrame["frame"]["case"]>> = Extract<ServerFrame["frame"], { case: K }>["value"];

/** The open stream, while there is one. */
interface OpenStream {
  queue: FrameQueue<ClientFrame>;
  generation: number;
  abort: AbortController;
}

/**
 * One device's live connection, kept up for as long as the application wants it: ONE
 * LiveService.Stream (in a browser: Subscribe, see {@link LiveLink}) at a time, reopened after every
 * drop with exponential backoff and full jitter, resumed from the cursors so the application sees
 * each message exactly once and in order. Sends made while offline wait and go out again with the
 * same client_message_id until ACKed.
 */
export class LiveSession {
  private readonly clients: LiveSessionOptions["clients"];
  private readonly link: LiveLink;
  private readonly options: Required<Omit<LiveSessionOptions, "clients" | "cursors" | "backoff" | "link">>;
  private readonly events = new Listeners<LiveEvents>();
  private readonly order: MessageOrder;
  private readonly sends = new SendQueue();
  private readonly backoff: Backoff;
  private readonly backoffOptions: BackoffOptions;
  /** Read and delivered marks made while offline, sent when the next stream opens. */
  private readonly marks = new Map<string, { markDelivered?: bigint; markRead?: bigint }>();
  private readonly stopped = new AbortController();
  private currentState: LiveState = "connecting";
  private stream: OpenStream | undefined;
  private generation = 0;
  private everOnline = false;
  private loop: Promise<void> | undefined;
  private me: string | undefined;

  constructor(options: LiveSessionOptions) {
    this.clients = options.clients;
    this.link = options.link ?? streamLink(options.clients.live);
    this.options = {
      replayUnknown: options.replayUnknown ?? 50,
      healthyAfterMs: options.healthyAfterMs ?? 5_000,
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    };
    this.backoffOptions = options.backoff ?? {};
    this.backoff = new Backoff(this.backoffOptions);
    this.order = new MessageOrder({
      deliver: (message) => this.events.emit("message", message),
      fetchAfter: async (conversationId, afterSeq, limit) => (await this.clients.history.listMessages(
        { conversationId, anchorSeq: afterSeq, direction: Direction.FORWARD, limit },
        { timeoutMs: this.options.connectTimeoutMs },
      )).messages,
    });
    for (const c of options.cursors ?? []) this.order.seed(c.conversationId, c.seq);
  }

  /** Starts connecting (once); returns the session for chaining. */
  start(): this {
    this.loop ??= this.run();
    return this;
  }

  /** Adds a listener; returns the function that removes it. */
  on<K extends keyof LiveEvents>(event: K, listener: LiveEvents[K]): () => void {
    return this.events.on(event, listener);
  }

  /** The current state. */
  get state(): LiveState {
    return this.currentState;
  }

  /** The user the session belongs to, once a stream was ready. */
  get userId(): string | undefined {
    return this.me;
  }

  /** Sends waiting for their ACK (queued offline or in flight). */
  get pendingSends(): number {
    return this.sends.size;
  }

  /** The cursors to persist: the highest seq shown per conversation. */
  cursors(): LiveCursor[] {
    return this.order.cursors();
  }

  /**
   * Sends a message (a reply, with files: see `extra`); resolves with its ACK (the seq) once it is durable, however many reconnects
   * that takes. Rejects only when the server refuses it for good, or the session closes first.
   */
  send(
    conversationId: string, text: string, clientMessageId: string = globalThis.crypto.randomUUID(),
    extra: Pick<OutgoingMessage, "replyToSeq" | "attachmentIds"> = {},
  ): Promise<SendMessageResponse> {
    if (this.currentState === "closed") return Promise.reject(new ConnectError("the session is closed", Code.Canceled));
    const entry = this.sends.add({ conversationId, clientMessageId, text, ...extra });
    if (entry.sentOn === undefined && this.stream) this.transmit(entry, this.stream);
    return entry.promise;
  }

  /** Marks messages up to `seq` as having reached this device. Kept for the next stream when offline. */
  markDelivered(conversationId: string, seq: bigint): void {
    this.mark("markDelivered", conversationId, seq);
  }

  /** Marks messages up to `seq` as read. Kept for the next stream when offline. */
  markRead(conversationId: string, seq: bigint): void {
    this.mark("markRead", conversationId, seq);
  }

  /** Shows or hides this user's typing indicator. Returns false (and sends nothing) while offline. */
  setTyping(conversationId: string, typing: boolean): boolean {
    return this.stream?.queue.push({ frame: { case: "typing", value: { conversationId, typing } } }) ?? false;
  }

  /** Closes the stream for good and fails the sends still waiting. */
  async close(): Promise<void> {
    this.finish(new ConnectError("the session was closed", Code.Canceled));
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopped.signal.aborted) {
      let error: ConnectError | undefined;
      let onlineSince: number | undefined;
      try {
        await this.connectOnce((since) => (onlineSince = since));
      } catch (err) {
        error = asConnectionLoss(ConnectError.from(err));
      }
      if (this.stopped.signal.aborted) return;
      if (error?.code === Code.Unauthenticated) return this.finish(error);
      if (onlineSince !== undefined && Date.now() - onlineSince >= this.options.healthyAfterMs) this.backoff.reset();
      this.setState(this.everOnline ? "reconnecting" : "connecting", error);
      // A rate-limited open says when to come back; coming back sooner would only be refused again.
      await sleep(Math.max(this.backoff.next(), retryAfterMs(error) ?? 0), this.stopped.signal);
    }
  }

  /** One stream, from listing the conversations to the stream's end; throws why it ended. */
  private async connectOnce(online: (since: number) => void): Promise<void> {
    const { conversations } = await this.clients.conversations.listConversations({}, {
      signal: this.stopped.signal, timeoutMs: this.options.connectTimeoutMs,
    });
    this.reconcile(conversations);
    this.events.emit("conversations", conversations);
    const open: OpenStream = { queue: new FrameQueue(), generation: ++this.generation, abort: new AbortController() };
    const stop = () => open.abort.abort();
    this.stopped.signal.addEventListener("abort", stop);
    const readyTimer = setTimeout(stop, this.options.connectTimeoutMs);
    let heartbeat: ReturnType<typeof setInterval> | undefined;
    // Once the server shows it sends keep-alives, silence for its heartbeat timeout means the node is
    // frozen or gone (no transport ping would tell): the stream is dropped and the session reconnects.
    let silence: ReturnType<typeof setTimeout> | undefined;
    let silenceMs = 0;
    let timeoutMs = 0;
    // Resume first, before Ready even arrives: the server holds live messages until it has the
    // cursors, and a link that must send them with its request (Subscribe) finds them first.
    open.queue.push({ requestId: "resume", frame: { case: "resume", value: { cursors: this.order.cursors(), maxBatch } } });
    try {
      for await (const { frame } of this.link(open.queue, { signal: open.abort.signal })) {
        if (frame?.frame.case === "keepAlive" && silenceMs === 0) silenceMs = timeoutMs || 45_000;
        if (silenceMs > 0) {
          clearTimeout(silence);
          silence = setTimeout(stop, silenceMs);
        }
        if (frame?.frame.case !== "ready") {
          if (frame) this.dispatch(frame, open);
          continue;
        }
        if (this.stream === open) continue; // a second Ready would be a server bug: ignore it
        clearTimeout(readyTimer);
        const ready = frame.frame.value;
        timeoutMs = ready.heartbeatTimeoutMs;
        heartbeat = setInterval(() => open.queue.push({ frame: { case: "heartbeat", value: {} } }), ready.heartbeatIntervalMs || 15_000);
        this.goOnline(ready, open);
        online(Date.now());
      }
      throw new ConnectError("the server ended the stream", Code.Unavailable);
    } finally {
      clearTimeout(readyTimer);
      clearTimeout(silence);
      clearInterval(heartbeat);
      this.stopped.signal.removeEventListener("abort", stop);
      open.queue.end();
      open.abort.abort();
      if (this.stream === open) this.stream = undefined;
    }
  }

  /**
   * Brings the cursors in line with the conversation list: conversations the user left are dropped
   * (the server would refuse to resume them), unknown ones start a few messages before their end.
   */
  private reconcile(conversations: readonly Conversation[]): void {
    const present = new Map(conversations.map((c) => [c.id, c.lastSeq]));
    for (const { conversationId, seq } of this.order.cursors()) {
      const lastSeq = present.get(conversationId);
      if (lastSeq === undefined) this.order.forget(conversationId);
      // A cursor beyond the end means the server lost messages; without this, new ones would be dropped.
      else if (seq > lastSeq) this.order.seed(conversationId, lastSeq);
    }
    for (const c of conversations) {
      if (this.order.cursor(c.id) === undefined) this.order.seed(c.id, this.startOf(c.lastSeq));
    }
  }

  /** Ready: whatever waited for a stream goes out (the resume went out when the stream opened). */
  private goOnline(ready: Ready, open: OpenStream): void {
    this.me = ready.userId;
    this.everOnline = true;
    this.stream = open;
    for (const [conversationId, marks] of this.marks) {
      if (marks.markDelivered !== undefined) open.queue.push({ frame: { case: "markDelivered", value: { conversationId, seq: marks.markDelivered } } });
      if (marks.markRead !== undefined) open.queue.push({ frame: { case: "markRead", value: { conversationId, seq: marks.markRead } } });
    }
    this.marks.clear();
    for (const entry of this.sends.unsent(open.generation)) this.transmit(entry, open);
    this.setState("online");
    this.events.emit("ready", ready);
  }

  private dispatch(frame: ServerFrame, open: OpenStream): void {
    const f = frame.frame;
    switch (f.case) {
      case "message":
        return this.order.offer(f.value);
      case "ack":
        this.sends.ack(f.value);
        return this.events.emit("ack", f.value);
      case "receipt":
        return this.events.emit("receipt", f.value);
      case "typing":
        return this.events.emit("typing", f.value);
      case "presence":
        return this.events.emit("presence", f.value);
      case "membership":
        this.onMembership(f.value, open);
        return this.events.emit("membership", f.value);
      case "conversationUpdate":
        if (f.value.conversation) this.events.emit("conversationUpdate", f.value.conversation);
        return;
      case "resumeComplete":
        return this.events.emit("resumed", f.value);
      case "error":
        this.onFrameError(f.value, frame.requestId, open);
        return this.events.emit("error", f.value);
    }
  }

  /** Joining a conversation starts its cursor (and replays its tail); leaving drops it. */
  private onMembership(event: FrameOf<"membership">, open: OpenStream): void {
    const conversation = event.conversation;
    if (!conversation) return;
    const gone = (event.change === MembershipChange.LEFT || event.change === MembershipChange.REMOVED) && this.me !== undefined && event.userIds.includes(this.me);
    if (gone) return this.order.forget(conversation.id);
    if (this.order.cursor(conversation.id) !== undefined) return;
    const seq = this.startOf(conversation.lastSeq);
    this.order.seed(conversation.id, seq);
    open.queue.push({ frame: { case: "resume", value: { cursors: [{ conversationId: conversation.id, seq }] } } });
  }

  private onFrameError(error: FrameError, requestId: string, open: OpenStream): void {
    if (requestId === "resume") {
      // A cursor was refused (left the conversation in the meantime): list again on a new stream.
      open.abort.abort();
      return;
    }
    const entry = error.clientMessageId ? this.sends.find(error.clientMessageId) : undefined;
    if (!entry) return;
    const code = error.code as number as Code;
    const limited = code === Code.ResourceExhausted;
    if (!isTransient(code) && !limited) return this.sends.reject(entry, new ConnectError(error.message, code));
    entry.sentOn = undefined;
    // A rate-limited send waits at least the server's smallest retry-after (1 s; a frame carries no metadata).
    const delay = Math.max(backoffDelay(entry.retries++, this.backoffOptions), limited ? 1_000 : 0);
    setTimeout(() => {
      if (this.stream && entry.sentOn === undefined) this.transmit(entry, this.stream);
    }, delay);
  }

  private transmit(entry: PendingSend, open: OpenStream): void {
    entry.sentOn = open.generation;
    open.queue.push({ frame: { case: "send", value: entry.message } });
  }

  private mark(kind: "markDelivered" | "markRead", conversationId: string, seq: bigint): void {
    if (this.stream?.queue.push({ frame: { case: kind, value: { conversationId, seq } } })) return;
    const marks = this.marks.get(conversationId) ?? {};
    marks[kind] = marks[kind] !== undefined && marks[kind] > seq ? marks[kind] : seq;
    this.marks.set(conversationId, marks);
  }

  private startOf(lastSeq: bigint): bigint {
    const start = lastSeq - BigInt(this.options.replayUnknown);
    return start > 0n ? start : 0n;
  }

  private setState(state: LiveState, error?: ConnectError): void {
    if (this.currentState === state || this.currentState === "closed") return;
    this.currentState = state;
    this.events.emit("state", state, error);
  }

  /** Ends the session: no more reconnects, waiting sends fail with `error`. */
  private finish(error: ConnectError): void {
    if (this.currentState === "closed") return;
    this.stopped.abort();
    this.sends.rejectAll(error);
    this.setState("closed", error);
  }
}

/** Resolves after `ms`, or at once when the signal aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done);
  });
}
