import { types } from "cassandra-driver";
import type { MessageRecord } from "../interface.ts";
import { PeriodicPass } from "../../periodic-pass.ts";
import type { Cql } from "./cql.ts";
import type { MessageSearchIndex } from "./message-search-index.ts";

/** A message whose search rows may be missing. */
export interface BacklogEntry {
  conversationId: string;
  seq: number;
}

/** Options of {@link SearchBacklog}. */
export interface SearchBacklogOptions {
  /** How often every node retries the backlog; 30 s by default. */
  intervalMs?: number;
  /** Messages retried per pass at most, so that a pass stays short; the next pass takes the rest. */
  batch?: number;
  /** Hears each failure and each give-up (the log lines). */
  onError: (error: unknown) => void;
}

/**
 * Passes a message may fail before it is given up, with a log line naming reindex-messages.ts (a pass
 * that cannot read the backlog, the store being down, counts for none).
 */
const maxAttempts = 100;
/** Entries kept in memory while the backlog table cannot be written either (Cassandra down). */
const maxUnrecorded = 10_000;
/** The lowest write timestamp, as migration 9's indexing: any live removal (an edit, a delete) wins over these rows. */
const oldest = types.Long.fromNumber(1);

/**
 * Search index work that failed: a send's `message_terms` rows are written beside its message (the
 * ACK waits for both), so a failure there fails the send with Unavailable while the message may be
 * stored; a client that never retries (the retry rewrites the rows) would leave it unfindable. Its
 * seqs are recorded in `search_backlog` (migration 11), and every node's periodic pass indexes the
 * recorded messages again from their current state and forgets them. Upserts at the lowest write
 * timestamp: two nodes retrying one message, or a retry racing with an edit, write nothing wrong.
 * When the backlog table cannot be written either, entries wait in memory (bounded) for the next pass.
 */
export class SearchBacklog {
  private readonly passes: PeriodicPass<number>;
  /** Failed work not recorded yet (the store was down), by "conversation\0seq". */
  private readonly unrecorded = new Map<string, BacklogEntry>();

  private readonly cql: Cql;
  private readonly index: MessageSearchIndex;
  private readonly read: (conversationId: string, seqs: readonly number[]) => Promise<MessageRecord[]>;
  private readonly options: SearchBacklogOptions;

  /** `read` reads messages in their current state (MessageLog.get). */
  constructor(cql: Cql, index: MessageSearchIndex, read: (conversationId: string, seqs: readonly number[]) => Promise<MessageRecord[]>, options: SearchBacklogOptions) {
    this.cql = cql;
    this.index = index;
    this.read = read;
    this.options = options;
    this.passes = new PeriodicPass(() => this.retryNow(), options.intervalMs ?? 30_000, options.onError);
  }

  /** Records messages whose index rows may be missing. Never rejects: what cannot be recorded now waits in memory. */
  async record(entries: readonly BacklogEntry[]): Promise<void> {
    if (entries.length === 0) return;
    this.options.onError(new Error(`search index rows of ${entries.length} message(s) not written; recorded for retry (${describe(entries)})`));
    try {
      await this.write(entries);
    } catch (err) {
      this.options.onError(err);
      for (const e of entries) {
        if (this.unrecorded.size >= maxUnrecorded) {
          this.options.onError(new Error(`search backlog full in memory: message ${describe([e])} stays unfindable until reindex-messages.ts runs`));
          continue;
        }
        this.unrecorded.set(`${e.conversationId}\u0000${e.seq}`, e);
      }
    }
  }

  /** One pass; resolves how many messages it indexed. A pass already running is joined, not doubled. */
  retry(): Promise<number> {
    return this.passes.run();
  }

  /** Stops the timer (a pass in flight finishes on its own). */
  close(): void {
    this.passes.close();
  }

  private async retryNow(): Promise<number> {
    if (this.unrecorded.size > 0) {
      const waiting = [...this.unrecorded.values()];
      await this.write(waiting); // throws while the store is still down: the next pass tries again
      for (const e of waiting) this.unrecorded.delete(`${e.conversationId}\u0000${e.seq}`);
    }
    const byConversation = new Map<string, { seq: number; attempts: number }[]>();
    let taken = 0;
    for await (const page of this.cql.pages("SELECT conversation_id, seq, attempts FROM search_backlog", [], 500)) {
      for (const r of page) {
        if (taken++ >= (this.options.batch ?? 500)) break;
        const list = byConversation.get(r.get("conversation_id")) ?? [];
        list.push({ seq: Number(r.get("seq")), attempts: Number(r.get("attempts") ?? 0) });
        byConversation.set(r.get("conversation_id"), list);
      }
      if (taken >= (this.options.batch ?? 500)) break;
    }
    let indexed = 0;
    for (const [conversationId, entries] of byConversation) {
      try {
        indexed += await this.reindex(conversationId, entries.map((e) => e.seq));
        for (const e of entries) await this.forget(conversationId, e.seq);
      } catch (err) {
        await this.failed(conversationId, entries, err);
      }
    }
    return indexed;
  }

  /** Indexes the messages again from their current state (a deleted or missing one has nothing to index); resolves how many. */
  private async reindex(conversationId: string, seqs: readonly number[]): Promise<number> {
    const messages = (await this.read(conversationId, seqs)).filter((m) => !m.deletedAt);
    const byBucket = new Map<number, MessageRecord[]>();
    for (const m of messages) {
      const bucket = this.index.bucketOf(m.seq);
      byBucket.set(bucket, [...(byBucket.get(bucket) ?? []), m]);
    }
    for (const bucket of byBucket.values()) {
      await this.cql.partitionBatch(this.index.bounds(bucket));
      for (const rows of this.index.batches(bucket.flatMap((m) => this.index.insert(m, oldest)))) await this.cql.partitionBatch(rows);
    }
    return messages.length;
  }

  private async failed(conversationId: string, entries: { seq: number; attempts: number }[], err: unknown): Promise<void> {
    this.options.onError(err);
    for (const e of entries) {
      if (e.attempts + 1 >= maxAttempts) {
        this.options.onError(new Error(`search backlog: gave up on message ${conversationId}/${e.seq} after ${maxAttempts} tries; run reindex-messages.ts`));
        await this.forget(conversationId, e.seq);
      } else {
        await this.cql.execute("UPDATE search_backlog SET attempts = ? WHERE conversation_id = ? AND seq = ?", [e.attempts + 1, conversationId, e.seq]);
      }
    }
  }

  private async write(entries: readonly BacklogEntry[]): Promise<void> {
    await Promise.all(entries.map((e) => this.cql.execute("INSERT INTO search_backlog (conversation_id, seq, attempts) VALUES (?, ?, 0)", [e.conversationId, e.seq])));
  }

  private async forget(conversationId: string, seq: number): Promise<void> {
    await this.cql.execute("DELETE FROM search_backlog WHERE conversation_id = ? AND seq = ?", [conversationId, seq]);
  }
}

/** Up to three entries, for a log line. */
const describe = (entries: readonly BacklogEntry[]) =>
  entries.slice(0, 3).map((e) => `${e.conversationId}/${e.seq}`).join(", ") + (entries.length > 3 ? ", …" : "");
