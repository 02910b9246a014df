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

/**
 * Keeps one stream's messages in seq order per conversation with no gap and no duplicate, across the
 * two ways messages reach it: replayed from the store (resume) and pushed live.
 *
 * A live message that is next in line is written at once. One that leaves a gap (the stream is
 * resuming, or messages from other nodes crossed on the way) is held while the gap is read from the
 * store. That is correct because every message is durable before anyone publishes it.
 *
 * A conversation the stream has no cursor for starts at seq 0: the stream gets it from seq 1, read
 * from the store. Nothing here depends on the order or the timing in which live messages arrive
 * (starting at the first one to arrive lost the ones another node had published a moment earlier).
 */
export class MessageSequencer {
  private readonly tracks = new Map<string, Track>();
  private readonly options: SequencerOptions;
  private opened = false;
  /** Conversations with live messages before the stream opened: they start when it opens. */
  private readonly early = new Set<string>();

  constructor(options: SequencerOptions) {
    this.options = options;
  }

  /**
   * Takes a live message. A conversation without a track starts at seq 0 once the stream is open
   * (before that, a resume may still bring its cursor), whatever seq this message has.
   */
  offer(message: Message): void {
    const track = this.tracks.get(message.conversationId);
    if (!track) {
      if (this.opened) this.push(message, this.start(message.conversationId));
      else this.early.add(message.conversationId);
      return;
    }
    this.push(message, track);
  }

  /**
   * Replays every stored message after `seq` in each conversation, then lets live messages through,
   * and opens the stream. A conversation already under way on this stream only moves forward.
   * Resolves with the highest seq written per conversation.
   */
  async resume(cursors: readonly { conversationId: string; seq: bigint }[]): Promise<Map<string, bigint>> {
    const tracks = cursors.map(({ conversationId, seq }) => {
      let track = this.tracks.get(conversationId);
      if (!track) this.tracks.set(conversationId, (track = { order: new SeqTrack(seq), catchingUp: undefined }));
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
   * resume in time). Conversations that had messages meanwhile and no cursor start at seq 0.
   */
  open(): void {
    if (this.opened) return;
    this.opened = true;
    for (const conversationId of this.early) if (!this.tracks.has(conversationId)) void this.catchUp(conversationId, this.start(conversationId));
    this.early.clear();
  }

  /** Forgets a conversation (the user left it). */
  forget(conversationId: string): void {
    this.tracks.delete(conversationId);
    this.early.delete(conversationId);
  }

  /** A new track at seq 0 for a conversation the stream has no cursor for. */
  private start(conversationId: string): Track {
    const track: Track = { order: new SeqTrack(0n), catchingUp: undefined };
    this.tracks.set(conversationId, track);
    return track;
  }

  /** Offers a live message to its track, reading the gap before it from the store if there is one. */
  private push(message: Message, track: Track): void {
    this.emit(track.order.offer(message));
    if (track.order.hasGap) void this.catchUp(message.conversationId, track);
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
        const page = await this.options.fetch(conversationId, track.order.seq, limit);
        this.emit(track.order.fill(page));
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
