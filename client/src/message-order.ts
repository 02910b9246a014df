import type { Message } from "@chat/gen/chat/v1/message_pb.js";
import { SeqTrack } from "@chat/protocol";

/** What a {@link MessageOrder} needs from its session. */
export interface MessageOrderOptions {
  /** Hands one message to the application: each (conversation, seq) once, in seq order. */
  deliver(message: Message): void;
  /** Reads stored messages with seq > afterSeq, oldest first (HistoryService, forward). */
  fetchAfter(conversationId: string, afterSeq: bigint, limit: number): Promise<Message[]>;
}

interface Conversation {
  /** Highest seq handed to the application, and what waits ahead of a gap. */
  track: SeqTrack<Message>;
  repairing: boolean;
}

/** Page size of a gap read; the API's maximum. */
const pageSize = 500;

/**
 * The client's half of "each message exactly once, in order": a cursor (highest seq shown) per
 * conversation, which is also what the session resumes from. The bookkeeping is the protocol's
 * SeqTrack, the same the server orders each stream with.
 *
 * The server delivers at least once and in order per stream, so duplicates (a replay overlapping
 * what was shown before a drop) are dropped here. A gap can still appear when a live message
 * reaches a fresh stream before its resume frame is handled; the missing messages are then read
 * from history while later ones wait, since every message is durable before it is published.
 */
export class MessageOrder {
  private readonly conversations = new Map<string, Conversation>();
  private readonly options: MessageOrderOptions;

  constructor(options: MessageOrderOptions) {
    this.options = options;
  }

  /** The highest seq shown in a conversation, or undefined when it has no cursor. */
  cursor(conversationId: string): bigint | undefined {
    return this.conversations.get(conversationId)?.track.seq;
  }

  /** Every cursor, for a ResumeRequest or for the application to persist. */
  cursors(): { conversationId: string; seq: bigint }[] {
    return [...this.conversations].map(([conversationId, c]) => ({ conversationId, seq: c.track.seq }));
  }

  /** Sets a cursor: messages up to `seq` count as shown. Moves it back too (to replay more). */
  seed(conversationId: string, seq: bigint): void {
    const c = this.conversations.get(conversationId);
    if (c) c.track.seq = seq;
    else this.conversations.set(conversationId, { track: new SeqTrack(seq), repairing: false });
  }

  /** Drops a conversation (the user left it): no cursor, nothing held. */
  forget(conversationId: string): void {
    this.conversations.delete(conversationId);
  }

  /**
   * Takes a message from the stream. A conversation without a cursor starts at the message (the
   * server does the same for conversations it was not asked to resume).
   */
  offer(message: Message): void {
    let c = this.conversations.get(message.conversationId);
    if (!c) this.conversations.set(message.conversationId, (c = { track: new SeqTrack(message.seq - 1n), repairing: false }));
    this.deliver(c.track.offer(message));
    if (c.track.hasGap) void this.repair(message.conversationId, c);
  }

  private async repair(conversationId: string, c: Conversation): Promise<void> {
    if (c.repairing) return;
    c.repairing = true;
    try {
      while (c.track.hasGap && this.conversations.get(conversationId) === c) {
        const from = c.track.seq;
        // Read only the gap: what comes after it is held already or arrives live.
        const gap = Number((c.track.gapEnd ?? from + 2n) - from - 1n);
        this.deliver(c.track.fill(await this.options.fetchAfter(conversationId, from, Math.max(1, Math.min(pageSize, gap)))));
        if (c.track.seq === from) break; // nothing new readable yet: the next resume fills the gap
      }
    } catch {
      // Unreachable server: the held messages wait, and the resume after reconnect fills the gap.
    } finally {
      c.repairing = false;
    }
  }

  private deliver(messages: Message[]): void {
    for (const m of messages) this.options.deliver(m);
  }
}
