import { randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { type ServerFrame, ServerFrameSchema } from "@chat/gen/chat/v1/live_pb.js";
import type { Message } from "@chat/gen/chat/v1/message_pb.js";
import type { Presence } from "@chat/gen/chat/v1/user_pb.js";
import type { Caller } from "../caller.ts";
import { LruMap } from "../lru-map.ts";
import { presenceKey } from "../presence/presence-view.ts";
import { MessageSequencer, type SequencerOptions } from "./message-sequencer.ts";
import { Outbox, type OutboxWrite } from "./outbox.ts";

/**
 * The frame that carries each live message, made once for all the streams it goes to (the sequencer
 * deals in messages): building one per stream with protobuf-es's `create` was ≈ 2 % of the event
 * loop's time at group 1,000 msg/s (100,000 deliveries/s). Entries go with their message.
 */
const messageFrames = new WeakMap<Message, ServerFrame>();

/** Contacts whose last presence each stream remembers, to send each change once. */
const contactsRemembered = 4_096;

/** What a connection needs from the node it lives on. */
export interface ConnectionOptions {
  caller: Caller;
  /** Frames queued for a slow reader before it is disconnected. */
  outboxCapacity: number;
  /** How long a replay may wait for the client to read before the client is disconnected. */
  stallMs: number;
  /** Reads stored messages after a seq, for resume and gap repair. */
  fetch(conversationId: string, afterSeq: bigint, limit: number): Promise<Message[]>;
  /** Called once when the connection closes, whatever the reason. */
  onClose(connection: Connection): void;
}

/**
 * One open stream of one device, bidirectional or server-streaming alike: a bounded outbox of
 * server frames, the per-conversation message order, and the heartbeat clock.
 */
export class Connection {
  /** Unique per stream. */
  readonly id = streamId();
  /** The device and user the stream belongs to. */
  readonly caller: Caller;
  /** Time of the last heartbeat (or of the open), in ms since the epoch. */
  lastHeartbeat = Date.now();
  /** Frames the client takes in one response (ResumeRequest.max_batch); 1 until it says more. */
  maxBatch = 1;
  /** When the last frame was queued for the client, in ms since the epoch (the keep-alive clock). */
  lastSentAt = Date.now();
  /** When the device's use was last recorded for its token's expiry, as far as this stream knows (0: not yet asked). */
  useRecordedAt = 0;
  /** When this stream's heartbeat last refreshed its session in the session map (0: not yet). */
  refreshedAt = 0;
  private inFlight = 0;
  private admitted: (() => void) | undefined;
  /** The last ordered task (see inOrder); none until the client sends one. */
  private ordered: Promise<void> | undefined;
  /** What this stream was last told of each contact's presence (see presenceKey; created on first use). */
  private presenceSent: LruMap<string, string> | undefined;
  private readonly outbox: Outbox<ServerFrame>;
  private readonly sequencer: MessageSequencer;
  private readonly onClose: (c: Connection) => void;
  private resolveEnded!: (error: ConnectError | null) => void;
  /**
   * Resolves when the connection closes, with the error it closed with. The transport uses it to
   * reset a stream whose client does not read, since the error frame itself cannot reach it.
   */
  readonly ended: Promise<ConnectError | null>;

  constructor(options: ConnectionOptions) {
    this.caller = options.caller;
    this.onClose = options.onClose;
    // The closure keeps the number, not the options object (which each open stream kept, in the heap census).
    const capacity = options.outboxCapacity;
    this.outbox = new Outbox(capacity, options.stallMs, () => this.close(
      new ConnectError(`the client fell more than ${capacity} frames behind; reconnect and resume`, Code.ResourceExhausted)));
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve));
    this.sequencer = new MessageSequencer(new SequencerHooks(this, this.outbox, options.fetch));
  }

  /** True once the stream has ended. */
  get closed(): boolean {
    return this.outbox.closed;
  }

  /** Queues a frame. Messages go through the sequencer, which keeps them in order. */
  send(frame: ServerFrame): void {
    if (frame.frame.case === "presence" && !this.presenceChanged(frame.frame.value)) return;
    this.lastSentAt = Date.now();
    if (frame.frame.case === "message") this.sequencer.offer(frame.frame.value);
    else this.outbox.push(frame);
  }

  /**
   * Queues a frame of a bulk answer (an error per refused resume cursor: up to 10,000) once at most
   * half the outbox is in use, as a replay does: such an answer must not overflow the outbox and
   * cost the client its stream, and a client that stops reading is still cut off after `stallMs`.
   */
  async sendWhenRoom(frame: ServerFrame): Promise<void> {
    await this.outbox.room();
    this.send(frame);
  }

  /**
   * Runs `task` after every task given here before it has settled: client sends are accepted in the
   * order they came, while other frames (heartbeats above all) are handled beside them.
   */
  inOrder(task: () => Promise<void>): Promise<void> {
    this.ordered = (this.ordered ?? Promise.resolve()).then(task);
    return this.ordered;
  }

  /**
   * Counts a client frame being handled; resolves at once while fewer than `max` are, else once one
   * of them settles. The reader of the client's frames awaits it, which bounds what one client can
   * have in progress without making a heartbeat wait behind a send that waits on the store.
   */
  async admit(handling: Promise<void>, max: number): Promise<void> {
    this.inFlight++;
    const settled = () => {
      this.inFlight--;
      this.admitted?.();
    };
    handling.then(settled, settled); // failures are answered to the client by the handler itself
    while (this.inFlight >= max && !this.closed) await new Promise<void>((resolve) => (this.admitted = resolve));
  }

  /** Replays what the client missed; resolves with the highest seq sent per conversation. */
  resume(cursors: readonly { conversationId: string; seq: bigint }[]): Promise<Map<string, bigint>> {
    return this.sequencer.resume(cursors);
  }

  /**
   * True when a contact's presence differs from what this stream was last told. A stream opening
   * gets its contacts' presence, and a contact connecting at the same moment announces itself too:
   * the client hears of each change once.
   */
  private presenceChanged(presence: Presence): boolean {
    this.presenceSent ??= new LruMap(contactsRemembered);
    const key = presenceKey(presence);
    if (this.presenceSent.get(presence.userId) === key) return false;
    this.presenceSent.set(presence.userId, key);
    return true;
  }

  /** Lets live messages through without a resume (see MessageSequencer.open). */
  startLive(): void {
    this.sequencer.open();
  }

  /** Stops ordering a conversation the user no longer belongs to. */
  forget(conversationId: string): void {
    this.sequencer.forget(conversationId);
  }

  /** The frames to write to the stream, until it closes, in batches of at most `maxBatch`. */
  frames(): AsyncGenerator<ServerFrame[]> {
    return this.outbox.drain(() => this.maxBatch);
  }

  /**
   * Pushes the frames to `write` as they come, in batches of at most `maxBatch`, the batches of one
   * event-loop turn together (see Outbox.pipe): the stream's writer instead of {@link frames}.
   * Resolves when the connection closes normally and what was queued is written; rejects with the
   * error it closed with.
   */
  writeTo(write: OutboxWrite<ServerFrame>): Promise<void> {
    return this.outbox.pipe(write, () => this.maxBatch);
  }

  /** Ends the stream, normally (`null`) or with an error for the client. Idempotent. */
  close(error: ConnectError | null = null): void {
    if (this.outbox.closed) return;
    this.outbox.close(error);
    this.admitted?.();
    this.resolveEnded(error);
    this.onClose(this);
  }
}

/**
 * A new stream's id, a UUID, as one flat string: `randomUUID` builds its result by concatenation, a
 * chain of ≈ 14 string pieces (≈ 0.45 KiB) that every open stream kept for its id (issue 12's heap
 * census); copied through its bytes, it is one 36-character string.
 */
function streamId(): string {
  return Buffer.from(randomUUID(), "latin1").toString("latin1");
}

/**
 * What a connection's sequencer asks of it: one object with methods per stream, where five closures
 * and their context were (each idle device held them, in the heap census of issue 12).
 */
class SequencerHooks implements SequencerOptions {
  private readonly connection: Connection;
  private readonly outbox: Outbox<ServerFrame>;
  private readonly read: ConnectionOptions["fetch"];

  constructor(connection: Connection, outbox: Outbox<ServerFrame>, read: ConnectionOptions["fetch"]) {
    this.connection = connection;
    this.outbox = outbox;
    this.read = read;
  }

  fetch(conversationId: string, afterSeq: bigint, limit: number): Promise<Message[]> {
    return this.read(conversationId, afterSeq, limit);
  }

  emit(message: Message): void {
    let frame = messageFrames.get(message);
    if (!frame) messageFrames.set(message, (frame = create(ServerFrameSchema, { frame: { case: "message", value: message } })));
    this.outbox.push(frame);
  }

  room(): Promise<number> {
    return this.outbox.room();
  }

  closed(): boolean {
    return this.outbox.closed;
  }

  onError(err: unknown): void {
    this.connection.close(new ConnectError("could not read missed messages; reconnect and resume", Code.Unavailable, undefined, undefined, err));
  }
}
