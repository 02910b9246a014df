import type { types } from "cassandra-driver";
import { type MessageRange, type MessageRecord, type NewMessage, type SeqCount, StoreUnavailable } from "../interface.ts";
import { refusalOf } from "../target-change.ts";
import { type Appended, NotOwner } from "./append-route.ts";
import type { Cql, Statement } from "./cql.ts";
import { MessageRows, toMessage } from "./message-rows.ts";
import { MessageSearchIndex } from "./message-search-index.ts";
import type { BacklogEntry } from "./search-backlog.ts";
import { markStatements, membershipOf } from "./read-marks.ts";
import { mentionStatements } from "./unread-counts.ts";
import { isCountable, mentionSeq } from "../unread-index.ts";
import type { Lease, SequencerLeases } from "./sequencer-leases.ts";

/** Conversations whose head this node remembers; beyond it the oldest are forgotten (and re-read). */
const maxRememberedHeads = 100_000;
/** Conversations this node sequences with state in memory; beyond it the least recent recover again. */
const maxSequenced = 10_000;
/**
 * Client message ids remembered per conversation, and read back from the newest stored messages
 * when a node takes a conversation over: the window in which a retry is recognised across failovers.
 */
export const idempotencyWindow = 1_000;
/** Messages in one partition batch at most. */
const maxBatch = 100;

/** What the owner of a conversation keeps in memory while it sequences it under one lease. */
interface Sequenced {
  lease: Lease;
  /** Highest seq handed out (stored, in flight, or waiting). */
  head: number;
  /** The running counts at `head` (see UnreadStore): countable messages, and the newest one's seq. */
  counted: number;
  lastCountedSeq: number;
  /** Recent sends by sender and client message id: their seq, and the promise of their outcome. */
  recent: Map<string, { seq: number; sentAt: Date; done: Promise<Appended> | undefined }>;
  waiting: Waiting[];
  writing: boolean;
  /** The outcome of the newest queued message: once it settles, every earlier one has too. */
  tail: Promise<unknown>;
  /** The update entries of the conversation, judged and queued one at a time (see {@link MessageLog.appendUpdate}). */
  updates: Promise<unknown>;
  /** Senders' joinedAt (which keys their marks), read once per takeover; null for a non-member. */
  joined: Map<string, Date | null>;
}

/** A message waiting for its batch write. */
interface Waiting {
  message: MessageRecord;
  /** An update entry's change to its target: it makes the batch a logged one. */
  change?: NewMessage["change"];
  /** An update entry's target as the update was judged against: what its search index rows were. */
  target?: MessageRecord | undefined;
  /** The running counts at this message (see UnreadStore). */
  counts: Omit<SeqCount, "seq">;
  resolve(a: Appended): void;
  reject(e: Error): void;
}

/**
 * The messages of every conversation, and the allocation of their seqs by the one node that holds
 * the lease of the conversation's slot (see sequencer-leases.ts and docs/cluster.md).
 *
 * The owner allocates seqs in memory and writes messages with plain writes, all the waiting
 * messages of a conversation (one partition) in one unlogged batch, one batch in flight per
 * conversation, so that seqs become durable in order and without holes. Each write carries a
 * timestamp that orders by lease epoch first: a stale owner's late write loses to the new owner's.
 * A message is ACKed only if the lease was still valid, by the owner's monotonic clock, once its
 * batch was durable; otherwise the client retries, and the retry finds it by its id.
 *
 * Taking over a conversation (a new lease, a failed write, a conversation forgotten from memory)
 * reads the head, then writes a range tombstone above it with a timestamp newer than any write
 * made before: a batch of an earlier owner (or of an earlier failed try here) that lands later is
 * shadowed, so no seq above the head can come back. It also reads the newest messages back into
 * the dedupe window. Between them, no lightweight transaction is ever run on a message row.
 */
export class MessageLog {
  private readonly cql: Cql;
  private readonly rows: MessageRows;
  private readonly search: MessageSearchIndex;
  private readonly bucketSize: number;
  private readonly leases: SequencerLeases;
  /** Highest seq this node saw stored, per conversation: where the next head read starts. */
  private readonly heads = new Map<string, number>();
  private readonly sequenced = new Map<string, Sequenced>();
  private readonly recovering = new Map<string, Promise<Sequenced>>();

  /** Hears messages whose search rows may be missing (a failed write): the search backlog records them. */
  private readonly indexFailed: (entries: BacklogEntry[]) => void;

  constructor(cql: Cql, bucketSize: number, leases: SequencerLeases, indexFailed: (entries: BacklogEntry[]) => void = () => {}) {
    this.cql = cql;
    this.indexFailed = indexFailed;
    this.rows = new MessageRows(cql, bucketSize);
    this.search = new MessageSearchIndex(bucketSize);
    this.bucketSize = bucketSize;
    this.leases = leases;
  }

  /**
   * Stores a message at the next seq under `lease` (which this node holds on the conversation's
   * slot); resolves once it is durable and the lease held until then. Rejects with NotOwner when
   * the lease is gone, with StoreUnavailable when the outcome is unknown (retry with the same id).
   */
  async append(m: NewMessage, lease: Lease): Promise<Appended> {
    const state = await this.stateOf(m.conversationId, lease);
    if (m.change) return this.appendUpdate(m, state);
    return this.retried(m, state) ?? this.enqueue(m, state);
  }

  /**
   * An update entry, judged against its target as every earlier update left it: the conversation's
   * updates take turns, each reading its target once everything queued before it is durable, so
   * that two racing (a delete and an edit, two reactions past the limit) are decided in seq order.
   */
  private appendUpdate(m: NewMessage, state: Sequenced): Promise<Appended> {
    const judged = state.updates.then(async (): Promise<Appended> => {
      await Promise.allSettled([state.tail]); // settled either way: a failure is its own sender's answer
      if (this.sequenced.get(m.conversationId) !== state) throw new StoreUnavailable("the sequencer of this conversation moved; retry");
      const retry = this.retried(m, state);
      if (retry !== undefined) return retry;
      const change = m.change!;
      const [target] = await this.rows.get(m.conversationId, [change.targetSeq]);
      const refused = refusalOf(target, m.senderId, change);
      return refused ? { refused } : this.enqueue(m, state, target);
    });
    state.updates = Promise.allSettled([judged]); // the next update waits for this one, whatever its outcome
    return judged;
  }

  /** The outcome of an earlier send with the same sender and client id, if the window holds one. */
  private retried(m: NewMessage, state: Sequenced): Promise<Appended> | undefined {
    const seen = state.recent.get(`${m.senderId}\u0000${m.clientMessageId}`);
    if (!seen) return undefined;
    // A retry: the first send's outcome (read back from the store at takeover, it is stored).
    if (seen.done !== undefined) return seen.done.then((a) => (a.refused ? a : { message: a.message, duplicate: true }));
    const { change: _change, ...fields } = m;
    const message = { ...fields, seq: seen.seq, sentAt: seen.sentAt };
    // Its search rows and its bucket's send-time bounds are other partitions than its row, which a
    // failed write may have missed: written again (upserts; a later edit or delete of it leaves rows
    // that every search checks against the message; the bounds only widen).
    if (!isCountable(m)) return Promise.resolve({ message, duplicate: true });
    const ts = this.leases.timestamp(state.lease);
    return Promise.all([...this.search.batches(this.search.insert(message, ts)).map((t) => this.cql.partitionBatch(t)),
      this.cql.partitionBatch(this.search.bounds([message]))])
      .then(() => ({ message, duplicate: true }), (err: unknown) => {
        this.indexFailed([{ conversationId: m.conversationId, seq: message.seq }]);
        throw err;
      });
  }

  /** Gives a message the next seq and queues it for the conversation's next batch write. */
  private enqueue(m: NewMessage, state: Sequenced, target?: MessageRecord): Promise<Appended> {
    const { change, ...fields } = m;
    const message: MessageRecord = { ...fields, seq: ++state.head };
    if (isCountable(m)) {
      state.counted++;
      state.lastCountedSeq = message.seq;
    }
    const counts = { counted: state.counted, lastCountedSeq: state.lastCountedSeq };
    const done = new Promise<Appended>((resolve, reject) => state.waiting.push({ message, change, target, counts, resolve, reject }));
    state.recent.set(`${m.senderId}\u0000${m.clientMessageId}`, { seq: message.seq, sentAt: message.sentAt, done });
    if (state.recent.size > idempotencyWindow) state.recent.delete(state.recent.keys().next().value!);
    state.tail = done;
    this.flush(m.conversationId, state);
    return done;
  }

  /** The conversation's state under `lease`, taking it over (head, fence, dedupe window) if needed. */
  private async stateOf(conversationId: string, lease: Lease): Promise<Sequenced> {
    for (;;) {
      if (!this.leases.stillValid(lease)) throw new NotOwner(`lease of slot ${lease.slot} lapsed`);
      const state = this.sequenced.get(conversationId);
      if (state && state.lease === lease) return state;
      let recovery = this.recovering.get(conversationId);
      if (!recovery) {
        recovery = this.takeOver(conversationId, lease).finally(() => this.recovering.delete(conversationId));
        this.recovering.set(conversationId, recovery);
      }
      const taken = await recovery;
      if (taken.lease === lease) return taken;
    }
  }

  private async takeOver(conversationId: string, lease: Lease): Promise<Sequenced> {
    this.sequenced.delete(conversationId);
    const head = await this.headOrUndefined(conversationId);
    if (head === undefined) throw new Error(`conversation ${conversationId} does not exist`);
    // The fence: nothing written before this instant can appear above the head any more. Earlier
    // batches all started at most at head + 1 and stay within one bucket: the head's next bucket.
    await this.cql.execute("DELETE FROM messages USING TIMESTAMP ? WHERE conversation_id = ? AND bucket = ? AND seq > ?",
      [this.leases.timestamp(lease), conversationId, this.bucketOf(head + 1), head]);
    // Without the texts: a takeover of every conversation at once (a node starting, an owner lost)
    // reads a whole window per conversation, and the texts were most of its bytes.
    const newest = await this.walk(conversationId, { afterSeq: Math.max(0, head - idempotencyWindow), beforeSeq: head + 1, limit: idempotencyWindow, order: "asc" },
      "seq, sender_id, client_message_id, sent_at, counted, last_counted_seq", (r) => r);
    const top = newest.at(-1);
    const state: Sequenced = {
      lease, head, recent: new Map(), waiting: [], writing: false, joined: new Map(), tail: Promise.resolve(), updates: Promise.resolve(),
      // A row from before the counts existed: every message up to it was countable.
      counted: top ? Number(top.get("counted") ?? head) : 0, lastCountedSeq: top ? Number(top.get("last_counted_seq") ?? head) : 0,
    };
    for (const r of newest) {
      state.recent.set(`${r.get("sender_id")}\u0000${r.get("client_message_id")}`, { seq: Number(r.get("seq")), sentAt: r.get("sent_at"), done: undefined });
    }
    if (!this.leases.stillValid(lease)) throw new NotOwner(`lease of slot ${lease.slot} lapsed during takeover`);
    this.sequenced.set(conversationId, state);
    this.evictIdle();
    return state;
  }

  /** The writes raising each sender's marks to their newest message of the batch. */
  private async senderMarks(conversationId: string, state: Sequenced, batch: Sequenced["waiting"]): Promise<Statement[]> {
    const newest = new Map<string, number>();
    // Only what one wrote oneself is read by writing it: an event or an update entry reads nothing.
    for (const { message, change } of batch) if (isCountable({ ...message, change })) newest.set(message.senderId, message.seq);
    await Promise.all([...newest.keys()].filter((s) => !state.joined.has(s)).map(async (sender) => {
      state.joined.set(sender, (await membershipOf(this.cql, conversationId, sender)) ?? null);
    }));
    return [...newest].flatMap(([sender, seq]) => {
      const joinedAt = state.joined.get(sender);
      return joinedAt ? markStatements([conversationId, sender, joinedAt], seq, seq) : [];
    });
  }

  /** Forgets the oldest conversations over the bound, skipping busy ones (their writes are in flight). */
  private evictIdle(): void {
    for (const [id, state] of this.sequenced) {
      if (this.sequenced.size <= maxSequenced) return;
      if (!state.writing && state.waiting.length === 0) this.sequenced.delete(id);
    }
  }

  /** Writes the waiting messages of a conversation, one bucket's worth per batch, one batch at a time. */
  private flush(conversationId: string, state: Sequenced): void {
    if (state.writing || state.waiting.length === 0) return;
    const bucket = this.bucketOf(state.waiting[0]!.message.seq);
    let n = 0;
    while (n < state.waiting.length && n < maxBatch && this.bucketOf(state.waiting[n]!.message.seq) === bucket) n++;
    const batch = state.waiting.splice(0, n);
    state.writing = true;
    this.write(conversationId, state, batch).then(() => {
      state.writing = false;
      this.flush(conversationId, state);
    }, (err: unknown) => {
      // Unknown outcome: the batch may still land. Forget the state; the next append takes the
      // conversation over again (fence included), and the retries find what did land.
      if (this.sequenced.get(conversationId) === state) this.sequenced.delete(conversationId);
      const error = err instanceof NotOwner || err instanceof StoreUnavailable ? err : new StoreUnavailable(`message not stored: ${(err as Error).message}`);
      for (const w of [...batch, ...state.waiting.splice(0)]) w.reject(error);
    });
  }

  private async write(conversationId: string, state: Sequenced, batch: Sequenced["waiting"]): Promise<void> {
    const { lease } = state;
    if (!this.leases.stillValid(lease) || this.sequenced.get(conversationId) !== state) throw new StoreUnavailable("the sequencer of this conversation moved; retry");
    const ts = this.leases.timestamp(lease);
    const statements: Statement[] = batch.flatMap(({ message, counts, change }) =>
      [this.rows.insert(message, counts, ts), ...mentionStatements(message, mentionSeq({ ...message, change }, message.seq), ts)]);
    // An update entry's change to its target (and to its search rows), each with a timestamp of its
    // own: two updates of one target in one batch apply in seq order.
    const changes = batch.flatMap(({ message: m, change, target }) => {
      if (!change) return [];
      const at = this.leases.timestamp(lease);
      return [...this.rows.change(conversationId, m.senderId, m.seq, change, at), ...(target ? this.search.change(target, change, at) : [])];
    });
    statements.push(...changes, ...(await this.senderMarks(conversationId, state, batch)));
    // The new messages' search rows: one partition (the batch is one bucket), in requests of their
    // own, since a single-partition batch has no batch size limit and long texts make many rows.
    const searchable = batch.filter(({ message, change }) => isCountable({ ...message, change })).map(({ message }) => message);
    const terms = this.search.batches(searchable.flatMap((m) => this.search.insert(m, ts)));
    statements.push(...this.search.bounds(searchable)); // the bucket's send times, in the conversation's directory
    // One request: the messages' partition (atomic) and the marks' partition (one has read what one
    // wrote). With an update's change it is a logged batch: the entry and its target's row (possibly
    // in another bucket) and reactions land together or not at all, even if this node dies midway.
    // The search rows go beside it, and the ACK waits for all.
    // A failure leaves the outcome unknown, the search rows included: the backlog (search-backlog.ts)
    // indexes whatever of it landed, should the sender never retry.
    await Promise.all([changes.length > 0 ? this.cql.batch(statements) : this.cql.unloggedBatch(statements),
      ...terms.map((t) => this.cql.partitionBatch(t))]).catch((err: unknown) => {
      this.indexFailed(searchable.map((m) => ({ conversationId, seq: m.seq })));
      throw err;
    });
    // Proven only if the lease held until the batch was durable, and no takeover (which fences
    // what was in flight) began meanwhile (see docs/cluster.md).
    if (!this.leases.stillValid(lease) || this.sequenced.get(conversationId) !== state) throw new StoreUnavailable("the lease of this conversation lapsed while storing; retry");
    const last = batch.at(-1)!.message.seq;
    await this.stored(conversationId, batch[0]!.message.seq, last);
    for (const w of batch) w.resolve({ message: w.message, duplicate: false });
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

  /** Messages with afterSeq < seq < beforeSeq, walking bucket partitions in the asked order, in their current state. */
  async list(conversationId: string, range: MessageRange): Promise<MessageRecord[]> {
    return this.rows.withReactions(await this.walk(conversationId, range, "*", toMessage));
  }

  /** Messages by seq, in their current state. */
  get(conversationId: string, seqs: readonly number[]): Promise<MessageRecord[]> {
    return this.rows.get(conversationId, seqs);
  }

  /** The rows of {@link list}, with only `columns` read. */
  private async walk<T>(conversationId: string, range: MessageRange, columns: string, map: (r: types.Row) => T): Promise<T[]> {
    const after = Math.max(0, range.afterSeq ?? 0);
    const head = await this.headOrUndefined(conversationId);
    const top = Math.min((range.beforeSeq ?? Infinity) - 1, head ?? 0);
    if (top <= after || range.limit <= 0) return [];
    const [low, high] = [this.bucketOf(after + 1), this.bucketOf(top)];
    const desc = range.order === "desc";
    const query = `SELECT ${columns} FROM messages WHERE conversation_id = ? AND bucket = ? AND seq > ? AND seq <= ?
      ORDER BY seq ${desc ? "DESC" : "ASC"} LIMIT ?`;
    const out: T[] = [];
    for (let b = desc ? high : low; b >= low && b <= high && out.length < range.limit; b += desc ? -1 : 1) {
      const page = await this.cql.execute(query, [conversationId, b, after, top, range.limit - out.length]);
      out.push(...page.rows.map(map));
    }
    return out;
  }

  /**
   * Notes that seqs `first..last` are stored. The first seq of a bucket also goes into the conversation's hint, so
   * that a node without the head in memory finds it in at most two reads. The hint is written with
   * the seq as its timestamp: the highest write wins whatever order they land in.
   */
  private async stored(conversationId: string, first: number, last: number): Promise<void> {
    this.remember(conversationId, last);
    const start = Math.ceil(first / this.bucketSize) * this.bucketSize; // a bucket's first seq in [first, last]
    if (start > last) return;
    await this.cql.execute("UPDATE conversations USING TIMESTAMP ? SET last_seq_hint = ? WHERE id = ?",
      [start, start, conversationId]);
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
    return this.rows.bucketOf(seq);
  }
}
