import type { Message } from "@chat/gen/chat/v1/message_pb.js";
import { SeqTrack } from "@chat/protocol";

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
  order: SeqTrack<Message>;
  /** The store read in progress, if any. */
  catchingUp: Promise<void> | undefined;
}

const pageSize = 200;

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
      track = { order: new SeqTrack(message.seq - 1n), catchingUp: undefined };
      this.tracks.set(message.conversationId, track);
    }
    this.emit(track.order.offer(message));
    if (track.order.hasGap) void this.catchUp(message.conversationId, track);
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
        track = { order: new SeqTrack(seq), catchingUp: undefined };
        this.tracks.set(conversationId, track);
      } else {
        this.emit(track.order.raise(seq));
      }
      await this.catchUp(conversationId, track);
      done.set(conversationId, track.order.seq);
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
      if (track.order.hasGap && !this.options.closed()) {
        setTimeout(() => void this.catchUp(conversationId, track), 20).unref();
      }
    });
    return track.catchingUp;
  }

  private async readGap(conversationId: string, track: Track): Promise<void> {
    try {
      // Reads on to the end of the store (not just the gap): a resume replays everything missed.
      for (;;) {
        await this.options.room();
        if (this.options.closed()) return;
        const page = await this.options.fetch(conversationId, track.order.seq, pageSize);
        this.emit(track.order.fill(page));
        if (page.length < pageSize) return;
      }
    } catch (err) {
      this.options.onError(err);
    }
  }

  private emit(messages: Message[]): void {
    for (const m of messages) this.options.emit(m);
  }
}
