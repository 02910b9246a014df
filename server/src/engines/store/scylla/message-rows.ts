import type { types } from "cassandra-driver";
import type { MessageRecord, SeqCount, TargetChange } from "../interface.ts";
import { groupReactions, withRichColumns } from "../target-change.ts";
import type { Cql, Statement } from "./cql.ts";

/**
 * The rows of the `messages` and `reactions_by_message` tables as the message log reads and writes
 * them: both are partitioned by (conversation, bucket of seqs), so that a page of messages and its
 * reactions are each one partition read.
 */
export class MessageRows {
  private readonly cql: Cql;
  private readonly bucketSize: number;

  constructor(cql: Cql, bucketSize: number) {
    this.cql = cql;
    this.bucketSize = bucketSize;
  }

  /** The bucket (partition) of a seq. */
  bucketOf(seq: number): number {
    return Math.floor(seq / this.bucketSize);
  }

  /**
   * The write of a new message, with its running counts (see UnreadStore). A plain text (no content, no reply) writes the columns it always
   * did: writing nulls would leave a tombstone per message.
   */
  insert(m: MessageRecord, counts: Omit<SeqCount, "seq">, ts: types.Long): Statement {
    const base = [m.conversationId, this.bucketOf(m.seq), m.seq, m.senderId, m.clientMessageId, m.text, m.sentAt, counts.counted, counts.lastCountedSeq];
    if (m.content === undefined && !m.replyToSeq) {
      return { query: `INSERT INTO messages (conversation_id, bucket, seq, sender_id, client_message_id, text, sent_at, counted, last_counted_seq)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) USING TIMESTAMP ?`, params: [...base, ts] };
    }
    return { query: `INSERT INTO messages (conversation_id, bucket, seq, sender_id, client_message_id, text, sent_at, counted, last_counted_seq, content, reply_to_seq)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) USING TIMESTAMP ?`,
      params: [...base, m.content === undefined ? null : Buffer.from(m.content), m.replyToSeq ?? 0, ts] };
  }

  /** The writes that apply an update entry (at `seq`, by `senderId`) to its target row. */
  change(conversationId: string, senderId: string, seq: number, c: TargetChange, ts: types.Long): Statement[] {
    const target = [conversationId, this.bucketOf(c.targetSeq), c.targetSeq];
    const where = "WHERE conversation_id = ? AND bucket = ? AND seq = ?";
    switch (c.kind) {
      case "edit":
        return [{ query: `UPDATE messages USING TIMESTAMP ? SET text = ?, content = ?, edited_at = ?, last_update_seq = ? ${where}`,
          params: [ts, c.text, c.content === undefined ? null : Buffer.from(c.content), c.at, seq, ...target] }];
      case "delete":
        // Overwritten, then dropped from disk at compaction (see docs/cluster.md).
        return [
          { query: `UPDATE messages USING TIMESTAMP ? SET text = '', content = null, deleted_at = ?, last_update_seq = ? ${where}`,
            params: [ts, c.at, seq, ...target] },
          { query: `DELETE FROM reactions_by_message USING TIMESTAMP ? ${where}`, params: [ts, ...target] },
        ];
      case "reaction":
        return [
          c.reacted
            ? { query: `INSERT INTO reactions_by_message (conversation_id, bucket, seq, emoji, user_id, reacted_seq)
                VALUES (?, ?, ?, ?, ?, ?) USING TIMESTAMP ?`, params: [...target, c.emoji, senderId, seq, ts] }
            : { query: `DELETE FROM reactions_by_message USING TIMESTAMP ? ${where} AND emoji = ? AND user_id = ?`,
              params: [ts, ...target, c.emoji, senderId] },
          { query: `UPDATE messages USING TIMESTAMP ? SET last_update_seq = ? ${where}`, params: [ts, seq, ...target] },
        ];
    }
  }

  /** Messages by seq, in their current state, ascending; one read per bucket. */
  async get(conversationId: string, seqs: readonly number[]): Promise<MessageRecord[]> {
    const byBucket = new Map<number, number[]>();
    for (const seq of new Set(seqs)) {
      const b = this.bucketOf(seq);
      byBucket.set(b, [...(byBucket.get(b) ?? []), seq]);
    }
    const pages = await Promise.all([...byBucket].map(([bucket, inBucket]) =>
      this.cql.execute("SELECT * FROM messages WHERE conversation_id = ? AND bucket = ? AND seq IN ?", [conversationId, bucket, inBucket])));
    const messages = pages.flatMap((p) => p.rows.map(toMessage)).sort((x, y) => x.seq - y.seq);
    return this.withReactions(messages);
  }

  /**
   * Fills the reactions of messages of one conversation: one read per bucket, and only for messages
   * that were ever updated (a reaction marks its target), so a page of plain messages costs nothing more.
   */
  async withReactions(messages: MessageRecord[]): Promise<MessageRecord[]> {
    const updated = messages.filter((m) => (m.lastUpdateSeq ?? 0) > 0 && !m.deletedAt);
    if (updated.length === 0) return messages;
    const conversationId = updated[0]!.conversationId;
    const ranges = new Map<number, [number, number]>();
    for (const { seq } of updated) {
      const [low, high] = ranges.get(this.bucketOf(seq)) ?? [seq, seq];
      ranges.set(this.bucketOf(seq), [Math.min(low, seq), Math.max(high, seq)]);
    }
    const pages = await Promise.all([...ranges].map(([bucket, [low, high]]) => this.cql.all(
      "SELECT seq, emoji, user_id, reacted_seq FROM reactions_by_message WHERE conversation_id = ? AND bucket = ? AND seq >= ? AND seq <= ?",
      [conversationId, bucket, low, high])));
    const grouped = groupReactions(pages.flat().map((r) => ({
      seq: Number(r.get("seq")), emoji: r.get("emoji") as string, userId: r.get("user_id") as string, reactedSeq: Number(r.get("reacted_seq")),
    })));
    for (const m of updated) m.reactions = grouped.get(m.seq) ?? [];
    return messages;
  }
}

/** A `messages` row to a record (reactions are filled by {@link MessageRows.withReactions}). */
export function toMessage(r: types.Row): MessageRecord {
  const content = r.get("content") as Buffer | null | undefined;
  return withRichColumns({
    conversationId: r.get("conversation_id"), seq: Number(r.get("seq")), senderId: r.get("sender_id"),
    clientMessageId: r.get("client_message_id"), text: r.get("text") ?? "", sentAt: r.get("sent_at"),
  }, {
    content: content ? new Uint8Array(content) : undefined, replyToSeq: Number(r.get("reply_to_seq") ?? 0),
    editedAt: r.get("edited_at"), deletedAt: r.get("deleted_at"), lastUpdateSeq: Number(r.get("last_update_seq") ?? 0),
  });
}
