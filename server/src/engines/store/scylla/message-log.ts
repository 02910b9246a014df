import type { types } from "cassandra-driver";
import type { MessageRange, MessageRecord, NewMessage } from "../interface.ts";
import type { Cql } from "./cql.ts";

/** What {@link MessageLog.append} resolves. */
export interface Appended {
  message: MessageRecord;
  duplicate: boolean;
}

/** Conversations whose head this node remembers; beyond it the oldest are forgotten (and re-read). */
const maxRememberedHeads = 100_000;
/** Times one append may find its seq taken before giving up (each time another message won it). */
const maxMoves = 1_000;

/**
 * The messages of every conversation, and the allocation of their seqs.
 *
 * The message row is the allocator: a message takes seq N with `INSERT ... IF NOT EXISTS`, which
 * Paxos lets exactly one writer win, durably; a loser reads the new head and tries the next seq.
 * Nothing else (no counter, no cache, no Redis) can hand out a seq, so losing any of them costs
 * a retry, never a duplicate. No gap either: a writer only ever tries seq N once it knows N - 1 is
 * stored (from its own write, or a read of the table), so a seq above an empty one is never taken.
 *
 * Idempotency uses a second conditional row per (conversation, sender, client message id) holding
 * the one seq that message may take. Every caller with that id (the first try, a retry, a retry on
 * another node after a crash) follows the same steps on that row: insert the message at its seq;
 * if another message holds that seq, move the row past the head (`IF seq = <old>`) and go again.
 * The message therefore exists at most once, and a retry finishes the work of a crashed first try.
 *
 * Appends to one conversation are serialized on each node (they would only fight over the same
 * seq otherwise); nodes race each other through the conditional writes above.
 */
export class MessageLog {
  private readonly cql: Cql;
  private readonly bucketSize: number;
  /** Highest seq this node saw stored, per conversation: where the next head read starts. */
  private readonly heads = new Map<string, number>();
  /** The tail of each conversation's queue of appends on this node. */
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(cql: Cql, bucketSize: number) {
    this.cql = cql;
    this.bucketSize = bucketSize;
  }

  /** Stores a message at the next seq (see the class comment); resolves once it is durable. */
  append(message: NewMessage): Promise<Appended> {
    const id = message.conversationId;
    const previous = this.queues.get(id) ?? Promise.resolve();
    const next = previous.then(() => this.appendNow(message), () => this.appendNow(message));
    this.queues.set(id, next);
    const forget = () => { if (this.queues.get(id) === next) this.queues.delete(id); };
    next.then(forget, forget);
    return next;
  }

  /**
   * The newest seq of a conversation, 0 when it has no message: one read of the newest partition
   * in the common case. `hint` is the conversation's `last_seq_hint`, when the caller has it.
   */
  head(conversationId: string, hint: number): Promise<number> {
    return this.probe(conversationId, Math.max(hint, this.heads.get(conversationId) ?? 0));
  }

  /** Like {@link head}, reading the hint when needed; undefined when the conversation does not exist. */
  private async headOrUndefined(conversationId: string): Promise<number | undefined> {
    let from = this.heads.get(conversationId);
    if (from === undefined) {
      const row = (await this.cql.execute("SELECT last_seq_hint FROM conversations WHERE id = ?", [conversationId])).first();
      if (!row) return undefined;
      from = Number(row.get("last_seq_hint") ?? 0);
    }
    return this.probe(conversationId, from);
  }

  /** Messages with afterSeq < seq < beforeSeq, walking bucket partitions in the asked order. */
  async list(conversationId: string, range: MessageRange): Promise<MessageRecord[]> {
    const after = Math.max(0, range.afterSeq ?? 0);
    const head = await this.headOrUndefined(conversationId);
    const top = Math.min((range.beforeSeq ?? Infinity) - 1, head ?? 0);
    if (top <= after || range.limit <= 0) return [];
    const [low, high] = [this.bucketOf(after + 1), this.bucketOf(top)];
    const desc = range.order === "desc";
    const query = `SELECT * FROM messages WHERE conversation_id = ? AND bucket = ? AND seq > ? AND seq <= ?
      ORDER BY seq ${desc ? "DESC" : "ASC"} LIMIT ?`;
    const out: MessageRecord[] = [];
    for (let b = desc ? high : low; b >= low && b <= high && out.length < range.limit; b += desc ? -1 : 1) {
      const page = await this.cql.execute(query, [conversationId, b, after, top, range.limit - out.length]);
      out.push(...page.rows.map(toMessage));
    }
    return out;
  }

  private async appendNow(m: NewMessage): Promise<Appended> {
    const head = await this.headOrUndefined(m.conversationId);
    if (head === undefined) throw new Error(`conversation ${m.conversationId} does not exist`);
    const key = [m.conversationId, m.senderId, m.clientMessageId];
    const claim = await this.cql.cas(
      `INSERT INTO seq_by_client_message_id (conversation_id, sender_id, client_message_id, seq)
       VALUES (?, ?, ?, ?) IF NOT EXISTS`, [...key, head + 1]);
    // Not applied: this client message id was sent before; finish (or find) that send.
    let seq = claim.applied ? head + 1 : Number(claim.current!.get("seq"));
    for (let moves = 0; moves < maxMoves; moves++) {
      const insert = await this.cql.cas(
        `INSERT INTO messages (conversation_id, bucket, seq, sender_id, client_message_id, text, sent_at)
         VALUES (?, ?, ?, ?, ?, ?, ?) IF NOT EXISTS`,
        [m.conversationId, this.bucketOf(seq), seq, m.senderId, m.clientMessageId, m.text, m.sentAt]);
      await this.stored(m.conversationId, seq);
      if (insert.applied) return { message: { ...m, seq }, duplicate: false };
      const holder = toMessage(insert.current!);
      if (holder.senderId === m.senderId && holder.clientMessageId === m.clientMessageId) {
        // Ours: stored by an earlier send with this id, or by our own timed-out try (then this
        // call is the one that stored it, and must not be reported as a duplicate).
        return { message: holder, duplicate: !insert.retried };
      }
      const next = (await this.probe(m.conversationId, this.heads.get(m.conversationId) ?? seq)) + 1;
      const move = await this.cql.cas(
        `UPDATE seq_by_client_message_id SET seq = ?
         WHERE conversation_id = ? AND sender_id = ? AND client_message_id = ? IF seq = ?`, [next, ...key, seq]);
      seq = move.applied ? next : Number(move.current!.get("seq"));
    }
    throw new Error(`conversation ${m.conversationId}: no free seq after ${maxMoves} tries (too many concurrent writers)`);
  }

  /**
   * Notes that `seq` is stored. The first seq of a bucket also goes into the conversation's hint, so
   * that a node without the head in memory finds it in at most two reads. The hint is written with
   * the seq as its timestamp: the highest write wins whatever order they land in.
   */
  private async stored(conversationId: string, seq: number): Promise<void> {
    this.remember(conversationId, seq);
    if (seq % this.bucketSize !== 0) return;
    await this.cql.execute("UPDATE conversations USING TIMESTAMP ? SET last_seq_hint = ? WHERE id = ?",
      [seq, seq, conversationId]);
  }

  /**
   * The newest stored seq at or after `from` (which must be stored, or 0). Seqs have no gaps, so
   * only a full bucket can have a successor: the walk reads the newest row of each bucket from
   * `from`'s on, and stops at the first that is not full.
   */
  private async probe(conversationId: string, from: number): Promise<number> {
    let head = from;
    for (;;) {
      const bucket = this.bucketOf(head + 1);
      const row = (await this.cql.execute("SELECT seq FROM messages WHERE conversation_id = ? AND bucket = ? LIMIT 1",
        [conversationId, bucket])).first();
      const newest = row ? Number(row.get("seq")) : 0;
      if (newest <= head) break;
      head = newest;
      if (this.bucketOf(head + 1) === bucket) break;
    }
    this.remember(conversationId, head);
    return head;
  }

  private remember(conversationId: string, seq: number): void {
    const known = this.heads.get(conversationId);
    if (known !== undefined && seq <= known) return;
    this.heads.delete(conversationId); // re-insert: Map order is then least recently advanced first
    this.heads.set(conversationId, seq);
    if (this.heads.size > maxRememberedHeads) this.heads.delete(this.heads.keys().next().value!);
  }

  private bucketOf(seq: number): number {
    return Math.floor(seq / this.bucketSize);
  }
}

function toMessage(r: types.Row): MessageRecord {
  return {
    conversationId: r.get("conversation_id"), seq: Number(r.get("seq")), senderId: r.get("sender_id"),
    clientMessageId: r.get("client_message_id"), text: r.get("text"), sentAt: r.get("sent_at"),
  };
}
