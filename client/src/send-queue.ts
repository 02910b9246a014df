import { Code, type ConnectError } from "@connectrpc/connect";
import type { SendMessageResponse } from "@chat/gen/chat/v1/live_pb.js";

/** What a send carries; the client_message_id makes a resend safe (the server dedupes on it). */
export interface OutgoingMessage {
  conversationId: string;
  clientMessageId: string;
  text: string;
  /** The seq of the message it answers. */
  replyToSeq?: bigint;
  /** Completed uploads it carries. */
  attachmentIds?: string[];
}

/** One send waiting for its ACK. */
export interface PendingSend {
  readonly message: OutgoingMessage;
  /** The stream generation it was last written to; undefined while it waits for a stream. */
  sentOn: number | undefined;
  /** Retries after transient refusals, for the retry delay. */
  retries: number;
  readonly promise: Promise<SendMessageResponse>;
  resolve(ack: SendMessageResponse): void;
  reject(error: ConnectError): void;
}

/**
 * Refusals worth retrying with the same client_message_id: the server could not store the message
 * right now. Everything else (not a member, empty text, too long) would fail again the same way.
 */
const transientCodes = new Set([Code.Unavailable, Code.Aborted, Code.Internal, Code.Unknown, Code.DeadlineExceeded]);

/** True when a refused send should be retried rather than reported. */
export function isTransient(code: Code): boolean {
  return transientCodes.has(code);
}

/**
 * Sends not yet ACKed, in the order they were made. They survive disconnects: every new stream gets
 * the ones it has not seen, with their original ids, until an ACK settles each.
 */
export class SendQueue {
  private readonly pending = new Map<string, PendingSend>();

  /** Adds a send; a send with the same conversation and id already waiting is returned instead. */
  add(message: OutgoingMessage): PendingSend {
    const key = keyOf(message.conversationId, message.clientMessageId);
    const existing = this.pending.get(key);
    if (existing) return existing;
    let resolve!: (ack: SendMessageResponse) => void;
    let reject!: (error: ConnectError) => void;
    const promise = new Promise<SendMessageResponse>((res, rej) => ((resolve = res), (reject = rej)));
    const entry: PendingSend = { message, sentOn: undefined, retries: 0, promise, resolve, reject };
    this.pending.set(key, entry);
    return entry;
  }

  /** Settles the send an ACK answers; false when none waits for it (a duplicate ACK). */
  ack(ack: SendMessageResponse): boolean {
    const key = keyOf(ack.conversationId, ack.clientMessageId);
    const entry = this.pending.get(key);
    if (!entry) return false;
    this.pending.delete(key);
    entry.resolve(ack);
    return true;
  }

  /** The waiting send with this client id (a FrameError names only the id). */
  find(clientMessageId: string): PendingSend | undefined {
    for (const entry of this.pending.values()) if (entry.message.clientMessageId === clientMessageId) return entry;
    return undefined;
  }

  /** Fails one send for good. */
  reject(entry: PendingSend, error: ConnectError): void {
    this.pending.delete(keyOf(entry.message.conversationId, entry.message.clientMessageId));
    entry.reject(error);
  }

  /** The sends not yet written to stream `generation`, oldest first. */
  unsent(generation: number): PendingSend[] {
    return [...this.pending.values()].filter((e) => e.sentOn !== generation);
  }

  /** Fails every waiting send (the session closed). */
  rejectAll(error: ConnectError): void {
    for (const entry of [...this.pending.values()]) this.reject(entry, error);
  }

  /** Sends waiting for an ACK. */
  get size(): number {
    return this.pending.size;
  }
}

function keyOf(conversationId: string, clientMessageId: string): string {
  return `${conversationId}\n${clientMessageId}`;
}
