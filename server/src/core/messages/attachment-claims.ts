import type { Attachment } from "@chat/gen/chat/v1/message_pb.js";

/** The message a send's files are claimed for, before it has a seq (its idempotency key). */
export interface ClaimingMessage {
  conversationId: string;
  senderId: string;
  clientMessageId: string;
}

/**
 * How a send's `attachment_ids` become files (files/attachments.ts implements it): claimed before
 * the message is stored, so that no two messages carry one file; bound to the seq it got after;
 * erased (bytes and records) when the message is deleted.
 */
export interface AttachmentClaims {
  /** The caller's completed, unsent uploads as attachments, claimed for `message` (a retry of it claims them again). */
  claim(message: ClaimingMessage, ids: readonly string[]): Promise<Attachment[]>;
  /** Records the seq the message got. */
  bind(message: ClaimingMessage, ids: readonly string[], seq: number): Promise<void>;
  /** Undoes the claims of a send that was refused. */
  release(message: ClaimingMessage, ids: readonly string[]): Promise<void>;
  /** Deletes the files of a deleted message (none: nothing to do); idempotent. */
  erase(conversationId: string, seq: number): Promise<void>;
}
