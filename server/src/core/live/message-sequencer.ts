import type { Message } from "@chat/gen/chat/v1/message_pb.js";

/** What a {@link MessageSequencer} needs from its connection. */
export interface SequencerOptions {
  /** Reads stored messages of a conversation with seq > afterSeq, oldest first. */
  fetch(conversationId: string, afterSeq: bigint, limit: number): Promise<Message[]>;
  /** Writes one message to the stream. */
  emit(message: Message): void;
  /** Resolves when the stream has room for a page more. */
  room(): Promise<void>;
  /** True once the stream is gone: stop working for it. */
  closed(): boolean;
  /** Reports a failed store read (the client will resume on its next connect). */
  onError(error: unknown): void;
}

interface Track {
  /** Highest seq written to the stream, contiguous from where the stream started. */
  seq: bigint;
  /** Live messages that arrived ahead of `seq + 1`, waiting for the gap to be filled. */
  ahead: Map<bigint, Message>;
  /** The store read in progress, if any. */
  catchingUp: Promise<void> | undefined;
}

const pageSize = 200;
/** Live messages held per conversation while catching up; beyond it they are re-read from the store. */
const maxAhead = 1_000;

/**
 * Keeps one stream's messages in seq order per conversation with no gap and no duplicate, across the
 * two ways messages reach it: replayed from the store (resume) and pushed live.
 *
 * A live message that is next in line is written at once. One that leaves a gap (the stream is
 * resuming, or messages from other nodes crossed on the way) is held while the gap is read from the
 * store. That is correct because every message is durable before anyone publishes it.
 */
export class MessageSequencer {
  private readonly tracks = new Map<string, Track>();
  private readonly options: SequencerOptions;

  constructor(options: SequencerOptions) {
    this.options = options;
  }

  /** Takes a live message. A conversation seen for the first time starts live at that message. */
  offer(message: Message): void {
    let track = this.tracks.get(message.conversationId);
    if (!track) {
      track = { seq: message.seq - 1n, ahead: new Map(), catchingUp: undefined };
      this.tracks.set(message.conversationId, track);
    }
    if (message.seq <= track.seq) return;
    if (!track.catchingUp && message.seq === track.seq + 1n) {
      this.write(track, message);
      return;
    }
    if (track.ahead.size < maxAhead) track.ahead.set(message.seq, message);
    void this.catchUp(message.conversationId, track);
  }

  /**
   * Replays every stored message after `seq` in each conversation, then lets live messages through.
   * Resolves with the highest seq written per conversation.
   */
  async resume(cursors: readonly { conversationId: string; seq: bigint }[]): Promise<Map<string, bigint>> {
    const done = new Map<string, bigint>();
    for (const { conversationId, seq } of cursors) {
      let track = this.tracks.get(conversationId);
      if (!track) {
        track = { seq, ahead: new Map(), catchingUp: undefined };
        this.tracks.set(conversationId, track);
      } else if (seq > track.seq) {
        track.seq = seq;
      }
      await this.catchUp(conversationId, track);
      done.set(conversationId, track.seq);
    }
    return done;
  }

  /** Forgets a conversation (the user left it). */
  forget(conversationId: string): void {
    this.tracks.delete(conversationId);
  }

  private catchUp(conversationId: string, track: Track): Promise<void> {
    track.catchingUp ??= this.readGap(conversationId, track).finally(() => {
      track.catchingUp = undefined;
      // A message may have arrived ahead of a gap the store could not yet fill; try again shortly.
      if (track.ahead.size > 0 && !this.options.closed()) {
        setTimeout(() => void this.catchUp(conversationId, track), 20).unref();
      }
    });
    return track.catchingUp;
  }

  private async readGap(conversationId: string, track: Track): Promise<void> {
    try {
      for (;;) {
        this.flushAhead(track);
        await this.options.room();
        if (this.options.closed()) return;
        const page = await this.options.fetch(conversationId, track.seq, pageSize);
        for (const message of page) if (message.seq === track.seq + 1n) this.write(track, message);
        this.flushAhead(track);
        if (page.length < pageSize) return;
      }
    } catch (err) {
      this.options.onError(err);
    }
  }

  private flushAhead(track: Track): void {
    for (const seq of track.ahead.keys()) if (seq <= track.seq) track.ahead.delete(seq);
    for (let next = track.ahead.get(track.seq + 1n); next; next = track.ahead.get(track.seq + 1n)) {
      track.ahead.delete(next.seq);
      this.write(track, next);
    }
  }

  private write(track: Track, message: Message): void {
    track.seq = message.seq;
    this.options.emit(message);
  }
}
