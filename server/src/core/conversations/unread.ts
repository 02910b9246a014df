import type { Mention } from "@chat/gen/chat/v1/message_pb.js";
import type { ConversationRecord, MessageRecord, Store } from "../../engines/store/interface.ts";
import { type Content, decodeContent } from "../messages/content.ts";

/**
 * Mentions counted per member at most: a member far behind reads this many mention rows, no more,
 * and clients show the count as "99+" or so past a hundred anyway.
 */
export const maxCountedMentions = 100;

/** One member's unread counts in a conversation. */
export interface UnreadCounts {
  /** Countable messages (no system events, no update entries) after the member's read mark. */
  messages: number;
  /** Of those, the ones that mention the member by name or with "@all", at most {@link maxCountedMentions}. */
  mentions: number;
}

/** What the views of a conversation show beyond its rows: the last countable message and each reader's counts. */
export interface ConversationCounts {
  /** The newest countable message, when there is one. */
  last: MessageRecord | undefined;
  /** By user id, for the readers asked. */
  unread: Map<string, UnreadCounts>;
}

/** A reader: a member and their read mark (0 when they have none). */
export interface Reader {
  userId: string;
  readSeq: number;
}

/**
 * Counts, for each reader, what is unread and what mentions them, in point reads: the running
 * counts at the newest seq and at each distinct read mark (one read per bucket), the newest
 * countable message, and for each reader with unread messages the mention index after their mark
 * (bounded) and the messages it names, which decide (see {@link stillMentioned}). Nothing scans
 * the conversation.
 */
export async function countUnread(store: Store, record: ConversationRecord, readers: readonly Reader[]): Promise<ConversationCounts> {
  const unread = new Map<string, UnreadCounts>();
  if (record.lastSeq === 0) {
    for (const r of readers) unread.set(r.userId, { messages: 0, mentions: 0 });
    return { last: undefined, unread };
  }
  const marks = readers.map((r) => Math.min(r.readSeq, record.lastSeq));
  const counts = new Map((await store.countsAt(record.id, [record.lastSeq, ...marks])).map((c) => [c.seq, c]));
  // A seq whose row is missing (none should be) counts as if every message up to it were countable.
  const countedAt = (seq: number) => (seq === 0 ? 0 : (counts.get(seq)?.counted ?? seq));
  const lastCountedSeq = counts.get(record.lastSeq)?.lastCountedSeq ?? record.lastSeq;
  const [last] = lastCountedSeq > 0 ? await store.getMessages(record.id, [lastCountedSeq]) : [];
  await Promise.all(readers.map(async (r, i) => {
    const messages = Math.max(0, countedAt(record.lastSeq) - countedAt(marks[i]!));
    // A mention is in a countable message: with none unread, there is nothing to read.
    const mentions = messages === 0 ? 0 : await stillMentioned(store, record.id, r.userId, marks[i]!);
    unread.set(r.userId, { messages, mentions: Math.min(mentions, messages) });
  }));
  return { last, unread };
}

/**
 * How many of the messages the mention index names after `afterSeq` mention `userId` as they are
 * now: the index is written with each message, but an edit may have dropped a mention, a delete
 * erased it, and (in the cluster store) a row may outlive a write the sequencer fenced. One read
 * of those messages (batched by partition), only when the index names any.
 */
async function stillMentioned(store: Store, conversationId: string, userId: string, afterSeq: number): Promise<number> {
  const seqs = await store.mentionSeqs(conversationId, userId, afterSeq, maxCountedMentions);
  if (seqs.length === 0) return 0;
  const messages = await store.getMessages(conversationId, seqs);
  return messages.filter((m) => m.senderId !== userId && mentionsOf(decodeContent(m)).some((x) => x.all || x.userId === userId)).length;
}

/** The mentions a content makes (its text's, or its caption's); none for anything else or a tombstone. */
function mentionsOf(content: Content): readonly Mention[] {
  if (content.case === "textContent") return content.value.mentions;
  if (content.case === "attachmentContent") return content.value.caption?.mentions ?? [];
  return [];
}
