import type { MessageRecord } from "./interface.ts";

/**
 * Where a hit sits in the newest-first order of a search: by `sentAt` (descending), then conversation id
 * and seq (descending), which is total, so that pages neither repeat nor skip a message.
 */
export interface SearchPosition {
  sentAt: Date;
  conversationId: string;
  seq: number;
}

/**
 * One page of a message search, already parsed and authorized by the core: `conversationIds` are the
 * conversations the caller is a member of right now (narrowed by `in:` and `conversation_id`).
 */
export interface MessageSearch {
  /** Folded words (see core/search/tokenize.ts), each of which must be an indexed term of the message. */
  words: readonly string[];
  /** Folded prefixes (2+ characters), each of which must start an indexed term of the message. */
  prefixes: readonly string[];
  /** 1 or more conversations. */
  conversationIds: readonly string[];
  /** Only messages of these senders, when set. */
  senderIds?: readonly string[] | undefined;
  /** Only messages with an attachment ("file") or an image attachment ("image"), when set. */
  has?: "file" | "image" | undefined;
  /** Only messages sent at or after this time, when set. */
  sentFrom?: Date | undefined;
  /** Only messages sent before this time, when set. */
  sentUntil?: Date | undefined;
  /** Only hits after this position (the previous page's last), when set. */
  after?: SearchPosition | undefined;
  /** At most this many hits, 1 to 101. */
  limit: number;
}

/**
 * Full-text search of messages, indexed in the store's own write path: a message is searchable once
 * its append is acknowledged, an edit re-indexes it, a delete removes it. Only countable messages with
 * text or a caption are indexed (or, for filters-only searches, found): no system events, no update
 * entries, no tombstones.
 */
export interface MessageSearchStore {
  /** The matching messages in their current state, in SearchPosition order, at most `limit`. */
  searchMessages(search: MessageSearch): Promise<MessageRecord[]>;
}

/**
 * A search the store refuses because answering it would cost more than its work bound (see
 * docs/search.md): the caller should narrow it (one conversation, a date, more words).
 */
export class SearchTooBroad extends Error {
  override readonly name = "SearchTooBroad";
}

/** A hit's position. */
export function positionOf(sentAt: Date, conversationId: string, seq: number): SearchPosition {
  return { sentAt, conversationId, seq };
}

/** Orders positions as a search returns them (newest first): negative when `a` comes before `b`. */
export function comparePositions(a: SearchPosition, b: SearchPosition): number {
  const bySentAt = b.sentAt.getTime() - a.sentAt.getTime();
  if (bySentAt !== 0) return bySentAt;
  if (a.conversationId !== b.conversationId) return a.conversationId < b.conversationId ? 1 : -1;
  return b.seq - a.seq;
}
