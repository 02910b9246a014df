import type { Message } from "@chat/gen/chat/v1/message_pb.js";

/** What a {@link MessageOrder} needs from its session. */
export interface MessageOrderOptions {
  /** Hands one message to the application: each (conversation, seq) once, in seq order. */
  deliver(message: Message): void;
  /** Reads stored messages with seq > afterSeq, oldest first (HistoryService, forward). */
  fetchAfter(conversationId: string, afterSeq: bigint, limit: number): Promise<Message[]>;
}

interface Track {
  /** Highest seq handed to the application. */
  seq: bigint;
  /** Messages that arrived ahead of `seq + 1`, held until the gap is read from history. */
  ahead: Map<bigint, Message>;
  repairing: boolean;
}

/** Page size of a gap read; the API's maximum. */
const pageSize = 500;
/** Messages held ahead of a gap per conversation; beyond that they are re-read with the gap. */
const maxAhead = 1_000;

/**
 * The client's half of "each message exactly once, in order": a cursor (highest seq shown) per
 * conversation, which is also what the session resumes from.
 *
 * The server delivers at least once and in order per stream, so duplicates (a replay overlapping
 * what was shown before a drop) are dropped here. A gap can still appear when a live message
 * reaches a fresh stream before its resume frame is handled; the missing messages are then read
 * from history while later ones wait, since every message is durable before it is published.
 */
export class MessageOrder {
  private readonly tracks = new Map<string, Track>();
  private readonly options: MessageOrderOptions;

  constructor(options: MessageOrderOptions) {
    this.options = options;
  }

  /** The highest seq shown in a conversation, or undefined when it has no cursor. */
  cursor(conversationId: string): bigint | undefined {
    return this.tracks.get(conversationId)?.seq;
  }

  /** Every cursor, for a ResumeRequest or for the application to persist. */
  cursors(): { conversationId: string; seq: bigint }[] {
    return [...this.tracks].map(([conversationId, t]) => ({ conversationId, seq: t.seq }));
  }

  /** Sets a cursor: messages up to `seq` count as shown. Moves it back too (to replay more). */
  seed(conversationId: string, seq: bigint): void {
    const track = this.tracks.get(conversationId);
    if (track) track.seq = seq;
    else this.tracks.set(conversationId, { seq, ahead: new Map(), repairing: false });
  }

  /** Drops a conversation (the user left it): no cursor, nothing held. */
  forget(conversationId: string): void {
    this.tracks.delete(conversationId);
  }

  /**
   * Takes a message from the stream. A conversation without a cursor starts at the message (the
   * server does the same for conversations it was not asked to resume).
   */
  offer(message: Message): void {
    const track = this.tracks.get(message.conversationId);
    if (!track) {
      this.tracks.set(message.conversationId, { seq: message.seq, ahead: new Map(), repairing: false });
      this.options.deliver(message);
      return;
    }
    if (message.seq <= track.seq) return;
    if (message.seq === track.seq + 1n) {
      this.write(track, message);
      this.flushAhead(track);
      return;
    }
    if (track.ahead.size < maxAhead) track.ahead.set(message.seq, message);
    void this.repair(message.conversationId, track);
  }

  private async repair(conversationId: string, track: Track): Promise<void> {
    if (track.repairing) return;
    track.repairing = true;
    try {
      while (track.ahead.size > 0 && this.tracks.get(conversationId) === track) {
        const from = track.seq;
        // Read only the gap: what comes after it is held already or arrives live.
        const gap = Number(minKey(track.ahead) - from - 1n);
        const page = await this.options.fetchAfter(conversationId, from, Math.max(1, Math.min(pageSize, gap)));
        for (const message of page) if (message.seq === track.seq + 1n) this.write(track, message);
        this.flushAhead(track);
        if (track.seq === from) break; // nothing new readable yet: the next resume fills the gap
      }
    } catch {
      // Unreachable server: the held messages wait, and the resume after reconnect fills the gap.
    } finally {
      track.repairing = false;
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
    this.options.deliver(message);
  }
}

function minKey(map: Map<bigint, unknown>): bigint {
  let min: bigint | undefined;
  for (const k of map.keys()) if (min === undefined || k < min) min = k;
  return min ?? 0n;
}
