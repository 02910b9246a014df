import { types } from "cassandra-driver";
import type { MessageRecord, TargetChange } from "../interface.ts";
import { editedDocument } from "../search-document.ts";
import type { Cql, Statement } from "./cql.ts";

/**
 * Terms that are not words: every searchable message, by sender, by attachment kind. They start with
 * a control character, which no word of the tokenizer contains, so that a filter is a term slice like
 * a word (and a filters-only search reads index rows, not messages).
 */
export const filterTerms = {
  /** Every searchable (countable, not deleted) message: what a search of dates alone walks. */
  any: "\u0001any",
  from: (senderId: string) => `\u0001from:${senderId}`,
  has: (kind: "file" | "image") => `\u0001has:${kind}`,
};

/** The part of a message its index rows depend on. */
type Indexed = Pick<MessageRecord, "conversationId" | "seq" | "senderId" | "text" | "content" | "sentAt">;

/** The terms a message is indexed under: its words (text or caption, see search-document.ts) and its filter terms. */
export function termsOf(m: Pick<Indexed, "senderId" | "text" | "content">): string[] {
  const doc = editedDocument(m.text, m.content);
  return [
    ...doc.terms, filterTerms.any, filterTerms.from(m.senderId),
    ...(doc.hasFile ? [filterTerms.has("file")] : []), ...(doc.hasImage ? [filterTerms.has("image")] : []),
  ];
}

/**
 * The writes of message search (migration 9; see docs/search.md): `message_terms`, a row per term
 * and message in the partition (conversation, bucket of seqs) of its message, clustered by term then
 * seq descending, so that a word in a bucket is one clustering slice and a prefix a range of terms;
 * and `message_buckets`, each bucket's earliest and latest send time, so that a search reads buckets
 * in send-time order and only those that can hold a hit of its page cursor or dates. Every write is an upsert or a delete with the caller's write timestamp.
 */
export class MessageSearchIndex {
  private readonly bucketSize: number;

  constructor(bucketSize: number) {
    this.bucketSize = bucketSize;
  }

  /** The index rows of a new (countable) message. */
  insert(m: Indexed, ts: types.Long): Statement[] {
    return termsOf(m).map((term) => this.row(m, term, ts));
  }

  /**
   * The send-time bounds of the bucket of `messages` (new searchable messages, all of one bucket): its
   * `message_buckets` row keeps the earliest and the latest send time ever written, with no read,
   * because each bound is written with a timestamp that grows with it (the latest: its send time in
   * µs) or shrinks with it (the earliest: minus that), so that the extreme value wins whatever order
   * the writes land in. Both are in the past: ScyllaDB refuses a write timestamp more than 3 days
   * ahead (`restrict_future_timestamp`); a negative one is valid CQL.
   */
  bounds(messages: readonly Pick<Indexed, "conversationId" | "seq" | "sentAt">[]): Statement[] {
    if (messages.length === 0) return [];
    const times = messages.map((m) => m.sentAt.getTime());
    const [earliest, latest] = [Math.min(...times), Math.max(...times)];
    const key = [messages[0]!.conversationId, this.bucketOf(messages[0]!.seq)];
    const update = (column: string) => `UPDATE message_buckets USING TIMESTAMP ? SET ${column} = ? WHERE conversation_id = ? AND bucket = ?`;
    return [
      // A send time ahead of this clock (never the server's own) must not make a future timestamp.
      { query: update("max_sent_at"), params: [types.Long.fromNumber(Math.min(latest, Date.now()) * 1000), new Date(latest), ...key] },
      { query: update("min_sent_at"), params: [types.Long.fromNumber(-earliest * 1000), new Date(earliest), ...key] },
    ];
  }

  /**
   * Index rows of one partition cut into batches of at most {@link rowsPerBatch}: one request in the
   * common case, and no mutation too large for the commit log (whose limit is half a segment) when
   * many long texts are written at once.
   */
  batches(rows: readonly Statement[]): Statement[][] {
    const out: Statement[][] = [];
    for (let i = 0; i < rows.length; i += rowsPerBatch) out.push(rows.slice(i, i + rowsPerBatch));
    return out;
  }

  /**
   * What an update entry changes in the index of its target (as it stood when the update was judged):
   * an edit removes the words the new text lacks and writes the new ones, a delete removes every row.
   * A reaction changes nothing.
   */
  change(target: MessageRecord, c: TargetChange, ts: types.Long): Statement[] {
    if (c.kind === "reaction") return [];
    const old = termsOf(target);
    if (c.kind === "delete") return old.map((term) => this.removal(target, term, ts));
    const edited = { ...target, text: c.text, content: c.content };
    const now = termsOf(edited);
    const kept = new Set(now);
    return [...old.filter((t) => !kept.has(t)).map((term) => this.removal(target, term, ts)), ...now.map((term) => this.row(edited, term, ts))];
  }

  private row(m: Indexed, term: string, ts: types.Long): Statement {
    return { query: "INSERT INTO message_terms (conversation_id, bucket, term, seq, sent_at) VALUES (?, ?, ?, ?, ?) USING TIMESTAMP ?",
      params: [m.conversationId, this.bucketOf(m.seq), term, m.seq, m.sentAt, ts] };
  }

  private removal(m: Indexed, term: string, ts: types.Long): Statement {
    return { query: "DELETE FROM message_terms USING TIMESTAMP ? WHERE conversation_id = ? AND bucket = ? AND term = ? AND seq = ?",
      params: [ts, m.conversationId, this.bucketOf(m.seq), term, m.seq] };
  }

  /** The bucket (partition) of a seq. */
  bucketOf(seq: number): number {
    return Math.floor(seq / this.bucketSize);
  }
}

/** Index rows written per request: a few hundred kilobytes at most. */
const rowsPerBatch = 2_000;

/**
 * Migration 9's data step: indexes the messages stored before it, page by page, one unlogged batch
 * per partition and page. Idempotent upserts at the lowest write timestamp, so that a re-run writes
 * the same rows and any write of a live owner (an edit's removal, a delete) wins over them; a message
 * edited or deleted by a node of the previous release during a rolling update leaves rows that the
 * check every hit gets on read drops (see message-search.ts).
 */
export async function indexExistingMessages(cql: Cql): Promise<void> {
  const setting = (await cql.execute("SELECT value FROM schema_settings WHERE name = 'bucket_size'")).first();
  if (!setting) return; // a new keyspace: no messages yet
  const index = new MessageSearchIndex(Number(setting.get("value")));
  const oldest = types.Long.fromNumber(1);
  for await (const rows of cql.pages(`SELECT conversation_id, bucket, seq, sender_id, text, sent_at, content, deleted_at, last_counted_seq
      FROM messages`, [], 500)) {
    const byPartition = new Map<string, { searchable: Indexed[]; statements: Statement[] }>();
    for (const r of rows) {
      const m = {
        conversationId: r.get("conversation_id") as string, seq: Number(r.get("seq")), senderId: r.get("sender_id") as string,
        text: (r.get("text") as string | null) ?? "", sentAt: r.get("sent_at") as Date,
        content: r.get("content") ? new Uint8Array(r.get("content") as Buffer) : undefined,
      };
      const countable = r.get("last_counted_seq") === null || Number(r.get("last_counted_seq")) === m.seq;
      if (!countable || r.get("deleted_at")) continue;
      const key = `${m.conversationId}\u0000${r.get("bucket")}`;
      const partition = byPartition.get(key) ?? { searchable: [], statements: [] };
      partition.searchable.push(m);
      partition.statements.push(...index.insert(m, oldest));
      byPartition.set(key, partition);
    }
    for (const { searchable, statements } of byPartition.values()) {
      await cql.partitionBatch(index.bounds(searchable)); // the directory's partition
      for (const rows of index.batches(statements)) await cql.partitionBatch(rows);
    }
  }
}
