import type { Message } from "@chat/gen/chat/v1/message_pb.js";
import { SeqTrack } from "@chat/protocol";

/** What a {@link MessageSequencer} needs from its connection. */
export interface SequencerOptions {
  /** Reads stored messages of a conversation with seq > afterSeq, oldest first. */
  fetch(conversationId: string, afterSeq: bigint, limit: number): Promise<Message[]>;
  /** Writes one message to the stream. */
  emit(message: Message): void;
  /** Resolves, when the stream has room, with how many frames fit. */
  room(): Promise<number>;
  /** True once the stream is gone: stop working for it. */
  closed(): boolean;
  /** Reports a failed store read (the client will resume on its next connect). */
  onError(error: unknown): void;
}

interface Track {
  order: SeqTrack<Message>;
  /** The store read in progress, if any. */
  catchingUp: Promise<void> | undefined;
}

const pageSize = 200;
/** How long the first live message of a new conversation waits for ones that crossed it on the way. */
const settleMs = 50;

/**
 * Keeps one stream's messages in seq order per conversation with no gap and no duplicate, across the
 * two ways messages reach it: replayed from the store (resume) and pushed live.
 *
 * A live message that is next in line is written at once. One that leaves a gap (the stream is
 * resuming, or messages from other nodes crossed on the way) is held while the gap is read from the
 * store. That is correct because every message is durable before anyone publishes it.
 *
 * Where a conversation the stream has no track for starts: once the client resumed (with or
 * without cursors), at seq 0, so the device gets it from seq 1, whatever order and timing live
 * messages from several nodes arrive in (a gap before the first is read from the store). A client
 * that never resumes (a bot) gets what is published after it connected: such a conversation starts
 * at the lowest seq offered within `settleMs`.
 */
export class MessageSequencer {
  /** Made on first use, as is `early`: most streams of a node are idle and order nothing. */
  private tracks: Map<string, Track> | undefined;
  private readonly options: SequencerOptions;
  private opened = false;
  /** True once the client resumed: conversations without a cursor then start at seq 0. */
  private resumed = false;
  /** Conversations not started yet: the lowest seq offered. */
  private early: Map<string, bigint> | undefined;

  constructor(options: SequencerOptions) {
    this.options = options;
  }

  /**
   * Takes a live message. A conversation the stream has no track for starts at seq 0 once the client
   * resumed. Otherwise it does not start at once: it notes the lowest seq offered and starts there
   * `settleMs` later (or when the stream opens, if it has not yet; at seq 0 if that was a resume).
   */
  offer(message: Message): void {
    let track = this.tracks?.get(message.conversationId);
    if (!track && this.resumed && this.opened) {
      (this.tracks ??= new Map()).set(message.conversationId, (track = { order: new SeqTrack(0n), catchingUp: undefined }));
    }
    if (track) {
      this.emit(track.order.offer(message));
      if (track.order.hasGap) void this.catchUp(message.conversationId, track);
      return;
    }
    const first = this.early?.get(message.conversationId);
    if (first === undefined || message.seq < first) (this.early ??= new Map()).set(message.conversationId, message.seq);
    if (this.opened && first === undefined) {
      setTimeout(() => this.start(message.conversationId), settleMs).unref();
    }
  }

  /**
   * Replays every stored message after `seq` in each conversation, then lets live messages through,
   * and opens the stream. A cursor below what this stream already wrote of a conversation starts it
   * over from the cursor (the client asked for those messages again: it may have lost them); live
   * messages wait behind the replay, so the conversation stays in order. Resolves with the highest
   * seq written per conversation.
   */
  async resume(cursors: readonly { conversationId: string; seq: bigint }[]): Promise<Map<string, bigint>> {
    this.resumed = true;
    const tracks = cursors.map(({ conversationId, seq }) => {
      let track = this.tracks?.get(conversationId);
      if (!track) (this.tracks ??= new Map()).set(conversationId, (track = { order: new SeqTrack(seq), catchingUp: undefined }));
      else if (seq < track.order.seq) track.order = new SeqTrack(seq); // a read in progress notices and starts over
      else this.emit(track.order.raise(seq));
      return [conversationId, track] as const;
    });
    this.open();
    const done = new Map<string, bigint>();
    for (const [conversationId, track] of tracks) {
      await this.catchUp(conversationId, track);
      done.set(conversationId, track.order.seq);
    }
    return done;
  }

  /**
   * Lets live messages through without a resume (the client sent another frame first, or did not
   * resume in time). Conversations that had messages meanwhile start at the first of them.
   */
  open(): void {
    if (this.opened) return;
    this.opened = true;
    for (const conversationId of [...(this.early?.keys() ?? [])]) this.start(conversationId);
  }

  /** Forgets a conversation (the user left it). */
  forget(conversationId: string): void {
    this.tracks?.delete(conversationId);
    this.early?.delete(conversationId);
  }

  /** Starts a conversation at the lowest seq noted for it, unless a resume started it already. */
  private start(conversationId: string): void {
    const first = this.early?.get(conversationId);
    this.early?.delete(conversationId);
    if (first === undefined || this.tracks?.has(conversationId) || this.options.closed()) return;
    const track: Track = { order: new SeqTrack(this.resumed ? 0n : first - 1n), catchingUp: undefined };
    (this.tracks ??= new Map()).set(conversationId, track);
    void this.catchUp(conversationId, track);
  }

  private catchUp(conversationId: string, track: Track): Promise<void> {
    track.catchingUp ??= this.readGap(conversationId, track).finally(() => {
      track.catchingUp = undefined;
      // A message may have arrived ahead of a gap the store could not yet fill; try again shortly.
      if (track.order.hasGap && !this.options.closed()) {
        setTimeout(() => void this.catchUp(conversationId, track), 20).unref();
      }
    });
    return track.catchingUp;
  }

  private async readGap(conversationId: string, track: Track): Promise<void> {
    try {
      // Reads on to the end of the store (not just the gap): a resume replays everything missed.
      // Each page takes at most half the room, leaving the rest to live frames arriving meanwhile.
      for (;;) {
        const limit = Math.max(1, Math.min(pageSize, Math.floor((await this.options.room()) / 2)));
        if (this.options.closed()) return;
        const order = track.order;
        const page = await this.options.fetch(conversationId, order.seq, limit);
        if (order !== track.order) continue; // a resume rewound the conversation meanwhile: read from its cursor
        this.emit(order.fill(page));
        if (page.length < limit) return;
      }
    } catch (err) {
      this.options.onError(err);
    }
  }

  private emit(messages: Message[]): void {
    for (const m of messages) this.options.emit(m);
  }
}
