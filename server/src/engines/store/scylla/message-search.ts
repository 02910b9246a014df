import type { types } from "cassandra-driver";
import type { MessageRecord } from "../interface.ts";
import { comparePositions, type MessageSearch, type MessageSearchStore, type SearchPosition, SearchTooBroad } from "../message-search.ts";
import { editedDocument } from "../search-document.ts";
import type { Cql, Params } from "./cql.ts";
import { type MessageRows, toMessage } from "./message-rows.ts";
import { filterTerms } from "./message-search-index.ts";

/**
 * CQL requests one search page may send to find its hits (loading the hits is on top): past it, the
 * search is refused as too broad rather than left to run (see docs/search.md, "Where it stops").
 */
export const maxSearchRequests = 2_000;
/** Conversations whose first bucket is read at once. */
const concurrency = 16;
/**
 * How far a send time may run behind the send time of a message with a lower seq (the clocks of the
 * nodes that received them): bucket bounds taken from `message_buckets` are widened by it.
 */
const clockSkewMs = 60_000;

/** A hit proposed by the index, before it is checked against its message. */
interface Candidate extends SearchPosition {}

/**
 * Message search on the cluster store's index (message-search-index.ts): each conversation is read
 * newest bucket first, a bucket's hits are the intersection of its term slices, and conversations are
 * merged in {@link SearchPosition} order. Every proposed hit is then checked against the message as it
 * stands ({@link matches}), so index rows an edit, a delete or a fenced write left behind
 * are never served.
 */
export function createScyllaMessageSearch(cql: Cql, rows: MessageRows): MessageSearchStore {
  return {
    searchMessages: (search) => new SearchRun(cql, rows, search).page(),
  };
}

/** One page of one search: its work budget and its per-conversation cursors. */
class SearchRun {
  private readonly cql: Cql;
  private readonly rows: MessageRows;
  private readonly search: MessageSearch;
  private requests = 0;

  constructor(cql: Cql, rows: MessageRows, search: MessageSearch) {
    this.cql = cql;
    this.rows = rows;
    this.search = search;
  }

  async page(): Promise<MessageRecord[]> {
    if (this.search.senderIds?.length === 0) return []; // from nobody
    const streams = [...new Set(this.search.conversationIds)].map((id) => new ConversationHits(this, id));
    await eachLimited(streams, concurrency, (s) => s.peek());
    const out: MessageRecord[] = [];
    while (out.length < this.search.limit) {
      const candidates: Candidate[] = [];
      while (candidates.length < this.search.limit - out.length) {
        let best: ConversationHits | undefined;
        for (const s of streams) {
          const head = s.head();
          if (head && (!best || comparePositions(head, best.head()!) < 0)) best = s;
        }
        if (!best) break;
        candidates.push(best.take()!);
        await best.peek();
      }
      if (candidates.length === 0) break;
      out.push(...await this.check(candidates));
    }
    return out;
  }

  /**
   * The buckets of a conversation to read, newest first: those that may hold a message in the
   * search's time window (page cursor, before:, after:), by each bucket's first send time.
   */
  async bucketsOf(conversationId: string): Promise<number[]> {
    const starts = (await this.read("SELECT bucket, first_sent_at FROM message_buckets WHERE conversation_id = ?", [conversationId]))
      .map((r) => ({ bucket: Number(r.get("bucket")), first: (r.get("first_sent_at") as Date).getTime() }));
    const { after, sentUntil, sentFrom } = this.search;
    const until = Math.min(after?.sentAt.getTime() ?? Infinity, sentUntil?.getTime() ?? Infinity) + clockSkewMs;
    const from = (sentFrom?.getTime() ?? -Infinity) - clockSkewMs;
    const out: number[] = [];
    for (const { bucket, first } of starts) { // newest first
      if (first > until) continue; // every message of it is newer than the window
      out.push(bucket);
      if (first < from) break; // every older bucket is older than the window
    }
    return out;
  }

  /**
   * The hits one bucket's index proposes, newest first: the intersection of a slice per word, of the
   * sender terms, of the attachment term and of a range per prefix (one request for the exact terms,
   * one per prefix), then the time window and the page cursor.
   */
  async candidates(conversationId: string, bucket: number): Promise<Candidate[]> {
    const s = this.search;
    const senders = (s.senderIds ?? []).map(filterTerms.from);
    const has = s.has ? [filterTerms.has(s.has)] : [];
    const words = [...new Set(s.words)];
    const any = words.length + senders.length + has.length + s.prefixes.length === 0 ? [filterTerms.any] : [];
    const exact = [...words, ...senders, ...has, ...any];
    const key = "FROM message_terms WHERE conversation_id = ? AND bucket = ? AND";
    const [exactRows, ...prefixRows] = await Promise.all([
      exact.length > 0 ? this.read(`SELECT term, seq, sent_at ${key} term IN ?`, [conversationId, bucket, exact]) : Promise.resolve(undefined),
      ...s.prefixes.map((p) => this.read(`SELECT seq, sent_at ${key} term >= ? AND term < ?`, [conversationId, bucket, p, `${p}\u{10FFFF}`])),
    ]);
    // Each requirement is a set of seqs; a hit is in every one of them.
    const sets: Set<number>[] = [];
    const sentAt = new Map<number, Date>();
    const seqsOf = (rs: types.Row[]) => new Set(rs.map((r) => {
      sentAt.set(Number(r.get("seq")), r.get("sent_at") as Date);
      return Number(r.get("seq"));
    }));
    if (exactRows) {
      const byTerm = groupBy(exactRows, (r) => r.get("term") as string);
      for (const group of [...words.map((w) => [w]), senders, has, any]) {
        if (group.length > 0) sets.push(seqsOf(group.flatMap((t) => byTerm.get(t) ?? [])));
      }
    }
    for (const rs of prefixRows) sets.push(seqsOf(rs));
    const [first, ...rest] = sets.sort((x, y) => x.size - y.size);
    const hits = [...first ?? []].filter((seq) => rest.every((set) => set.has(seq)))
      .map((seq): Candidate => ({ sentAt: sentAt.get(seq)!, conversationId, seq }))
      .filter((c) => (!s.sentFrom || c.sentAt >= s.sentFrom) && (!s.sentUntil || c.sentAt < s.sentUntil)
        && (!s.after || comparePositions(c, s.after) > 0));
    return hits.sort(comparePositions);
  }

  /** The candidates whose message, as it stands, still matches, in the candidates' order. */
  private async check(candidates: readonly Candidate[]): Promise<MessageRecord[]> {
    const byPartition = groupBy(candidates, (c) => `${c.conversationId}\u0000${this.rows.bucketOf(c.seq)}`);
    const found = new Map<string, MessageRecord>();
    await Promise.all([...byPartition.values()].map(async (group) => {
      const { conversationId } = group[0]!;
      const read = await this.cql.execute("SELECT * FROM messages WHERE conversation_id = ? AND bucket = ? AND seq IN ?",
        [conversationId, this.rows.bucketOf(group[0]!.seq), group.map((c) => c.seq)]);
      const matching = read.rows.flatMap((r) => {
        const m = toMessage(r);
        // A row from before the running counts (null) was countable; since then, a countable row is its own last.
        const countable = r.get("last_counted_seq") === null || Number(r.get("last_counted_seq")) === m.seq;
        return matches(m, countable, this.search) ? [m] : [];
      });
      for (const m of await this.rows.withReactions(matching)) found.set(`${m.conversationId}\u0000${m.seq}`, m);
    }));
    return candidates.flatMap((c) => found.get(`${c.conversationId}\u0000${c.seq}`) ?? []);
  }

  /** Every row of a query, each page counted against the budget. */
  private async read(query: string, params: Params): Promise<types.Row[]> {
    const out: types.Row[] = [];
    for await (const page of this.cql.pages(query, params)) {
      if (++this.requests > maxSearchRequests) {
        throw new SearchTooBroad(`this search reads more than ${maxSearchRequests} index pages; narrow it to a conversation, a date or more words`);
      }
      out.push(...page);
    }
    return out;
  }
}

/** A conversation's hits, newest first, a bucket at a time. */
class ConversationHits {
  private readonly run: SearchRun;
  private readonly conversationId: string;
  private buckets: number[] | undefined;
  private buffer: Candidate[] = [];

  constructor(run: SearchRun, conversationId: string) {
    this.run = run;
    this.conversationId = conversationId;
  }

  /** Reads buckets until one proposes a hit or none is left. */
  async peek(): Promise<void> {
    while (this.buffer.length === 0) {
      this.buckets ??= await this.run.bucketsOf(this.conversationId);
      const bucket = this.buckets.shift();
      if (bucket === undefined) return;
      this.buffer = await this.run.candidates(this.conversationId, bucket);
    }
  }

  /** The newest hit not taken yet, once {@link peek} resolved; undefined when there are no more. */
  head(): Candidate | undefined {
    return this.buffer[0];
  }

  take(): Candidate | undefined {
    return this.buffer.shift();
  }
}

/**
 * Whether a message as it stands matches a search's words, prefixes and filters (the index proposed
 * it; this is the word of the message row). `countable` is false for system events and update entries.
 */
function matches(m: MessageRecord, countable: boolean, s: MessageSearch): boolean {
  if (!countable || m.deletedAt) return false;
  if (s.senderIds && !s.senderIds.includes(m.senderId)) return false;
  if ((s.sentFrom && m.sentAt < s.sentFrom) || (s.sentUntil && m.sentAt >= s.sentUntil)) return false;
  const doc = editedDocument(m.text, m.content);
  if ((s.has === "file" && !doc.hasFile) || (s.has === "image" && !doc.hasImage)) return false;
  const terms = new Set(doc.terms);
  return s.words.every((w) => terms.has(w)) && s.prefixes.every((p) => doc.terms.some((t) => t.startsWith(p)));
}

/** Runs `work` on every item, at most `limit` at a time. */
async function eachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Items by key, in their order (Map.groupBy is ES2024, past this project's target). */
function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const group = out.get(key(item));
    if (group) group.push(item);
    else out.set(key(item), [item]);
  }
  return out;
}
