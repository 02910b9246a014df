import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { MessageRecord, NewMessage, TargetChange } from "../interface.ts";
import { comparePositions, type MessageSearch, type MessageSearchStore, positionOf, type SearchPosition } from "../message-search.ts";
import { editedDocument, type SearchDocument, searchDocumentOf } from "../search-document.ts";

/**
 * The embedded store's message search: an FTS5 index, written in the same transaction as the message
 * rows (writes.ts calls {@link indexAppend} and {@link indexChange} inside each append's savepoint).
 *
 * The FTS5 table holds, per message, the words of core/search/tokenize.ts (so both stores agree
 * exactly) plus filter terms (its conversation, its sender, has:file, has:image), so that a whole
 * search, filters included, is one FTS5 expression. Its rowid, the "doc id", is `sentAt * 2048 + n`:
 * FTS5 walks doclists in rowid order, so newest first is `ORDER BY rowid DESC` with no sort, a date
 * filter or a page cursor is a rowid range, and a page stops reading once it has its hits. Within
 * one millisecond doc ids follow insertion, not SearchPosition order, so a page reads on to the end
 * of its last hit's millisecond and sorts (see {@link searchPage}). The table keeps its terms as
 * content, with `secure-delete` on: FTS5 needs a row's terms to take them out of the index pages when
 * it is deleted or edited, so that a message deleted for everyone leaves no word in the file (a
 * contentless table only marks the row deleted, its words stay until a merge). `detail=none` (no
 * positions: phrases are checked by the core on the text) keeps it small. `message_search_docs` maps
 * a doc id to its message (a row appended at the end of its table, doc ids growing with time); the way
 * back, for an edit or delete, is a read of the few doc ids of the message's millisecond (a doc id
 * starts with its sentAt), not an index by message: that index was a sixth of the pages an append
 * wrote (docs/benchmarks.md, issue 12). Search reads the docs table, not FTS5's content, for a hit's
 * message: its small rows of neighbouring doc ids share pages (a page of 2,000 hits read 1.5× faster).
 * Prefix indexes of 2 and 3 characters make a short prefix one doclist rather than a merge of every
 * word it starts (a 2-letter prefix over a million messages took 160 ms without).
 *
 * Limits: 2048 messages per millisecond (doc ids stay exact JavaScript numbers until the year 2109);
 * a search over very many conversations is an OR of that many terms, which FTS5 merges in one pass.
 */
export function createSqliteMessageSearch(db: DatabaseSync, messageRows: (conversationId: string, seqs: number[]) => MessageRecord[]): MessageSearchStore {
  const matching = db.prepare(`SELECT d.doc_id, d.conversation_id, d.seq FROM message_search AS f
    JOIN message_search_docs AS d ON d.doc_id = f.rowid
    WHERE message_search MATCH ? AND f.rowid >= ? AND f.rowid < ? ORDER BY f.rowid DESC`);
  return {
    async searchMessages(search) {
      const positions = searchPage(matching, search);
      const rows = new Map<string, MessageRecord>();
      for (const [conversationId, seqs] of groupByConversation(positions)) {
        for (const m of messageRows(conversationId, seqs)) rows.set(`${conversationId}/${m.seq}`, m);
      }
      return positions.map((p) => rows.get(`${p.conversationId}/${p.seq}`)).filter((m) => m !== undefined);
    },
  };
}

/** Messages per millisecond a doc id can tell apart. */
const perMs = 2048;

/** The search statements of one connection (the writer's and the readers'). */
export function prepareSearchStatements(db: DatabaseSync) {
  const p = (sql: string): StatementSync => db.prepare(sql);
  return {
    nextDocId: p(`SELECT coalesce(max(doc_id) + 1, ?1) AS doc_id FROM message_search_docs WHERE doc_id >= ?1 AND doc_id < ?1 + ${perMs}`),
    insertDoc: p("INSERT INTO message_search_docs (doc_id, conversation_id, seq) VALUES (?, ?, ?)"),
    // The doc of a message sent at ?1 / 2048 ms: among the doc ids of that millisecond (a range of the key).
    docOf: p(`SELECT doc_id FROM message_search_docs WHERE doc_id >= ?1 AND doc_id < ?1 + ${perMs} AND conversation_id = ?2 AND seq = ?3`),
    deleteDoc: p("DELETE FROM message_search_docs WHERE doc_id = ?"),
    insertTerms: p("INSERT INTO message_search (rowid, terms) VALUES (?, ?)"),
    deleteTerms: p("DELETE FROM message_search WHERE rowid = ?"),
    /** FTS5 changes of the open transaction's writes, applied by {@link applyPendingTerms} at its end. */
    pendingTerms: [] as PendingTerms[],
  };
}

/** One FTS5 change: a doc's terms removed, then (unless undefined) these put in. */
export interface PendingTerms {
  docId: number;
  removed: boolean;
  terms: string | undefined;
}

/**
 * Applies the FTS5 changes queued by the writes of the open transaction, before it commits. They are
 * queued rather than made in each write's savepoint because FTS5 writes its pending terms out as a new
 * segment at every savepoint it takes part in: one segment (and the merges that follow) per message
 * made an append five times dearer; one per transaction is what FTS5 is built for. A write rolled back
 * to its savepoint drops its queued changes (writes.ts), so the index still changes with its rows only.
 */
export function applyPendingTerms(q: SearchStatements): void {
  const pending = q.pendingTerms.splice(0);
  for (const { docId, removed, terms } of pending) {
    if (removed) q.deleteTerms.run(docId);
    if (terms !== undefined) q.insertTerms.run(docId, terms);
  }
}
/** What {@link prepareSearchStatements} prepares. */
export type SearchStatements = ReturnType<typeof prepareSearchStatements>;

/** Indexes a message just appended at `seq` (nothing for a system event or an update entry). */
export function indexAppend(q: SearchStatements, m: NewMessage, seq: number): void {
  const doc = searchDocumentOf(m);
  if (!doc) return;
  const base = m.sentAt.getTime() * perMs;
  const docId = Number((q.nextDocId.get(base) as { doc_id: number }).doc_id);
  if (docId >= base + perMs) throw new Error(`more than ${perMs} messages sent in one millisecond cannot be indexed for search`);
  q.insertDoc.run(docId, m.conversationId, seq);
  q.pendingTerms.push({ docId, removed: false, terms: ftsText(m.conversationId, m.senderId, doc) });
}

/**
 * Re-indexes the target of an update entry: an edit replaces its words (the sender is the entry's,
 * which an edit requires to be the target's), a delete removes it. Reactions change nothing searched.
 */
export function indexChange(q: SearchStatements, target: MessageRecord, senderId: string, c: TargetChange): void {
  if (c.kind === "reaction") return;
  const { conversationId } = target;
  const row = q.docOf.get(target.sentAt.getTime() * perMs, conversationId, target.seq) as { doc_id: number } | undefined;
  if (!row) return; // never indexed: not a searchable message
  const docId = Number(row.doc_id);
  if (c.kind === "delete") q.deleteDoc.run(docId);
  const terms = c.kind === "edit" ? ftsText(conversationId, senderId, editedDocument(c.text, c.content)) : undefined;
  q.pendingTerms.push({ docId, removed: true, terms });
}

/**
 * Indexes every stored message (the migration that adds search, for messages from before it):
 * countable rows (update entries and system events are not: see the running counts of migration 5)
 * that are not deleted, in one pass.
 */
export function indexExistingMessages(db: DatabaseSync): void {
  const q = prepareSearchStatements(db);
  const rows = db.prepare(`SELECT conversation_id, seq, sender_id, text, content, sent_at FROM messages
    WHERE deleted_at IS NULL AND (last_counted_seq IS NULL OR last_counted_seq = seq) ORDER BY sent_at`);
  for (const r of rows.iterate()) {
    const m: NewMessage = {
      conversationId: r.conversation_id as string, senderId: r.sender_id as string, clientMessageId: "", text: r.text as string,
      sentAt: new Date(Number(r.sent_at)), content: (r.content as Uint8Array | null) ?? undefined,
    };
    indexAppend(q, m, Number(r.seq));
    if (q.pendingTerms.length >= 10_000) applyPendingTerms(q);
  }
  applyPendingTerms(q);
}

/** The FTS5 column of a message: its words and filter terms, each one token of the `ascii` tokenizer. */
function ftsText(conversationId: string, senderId: string, doc: SearchDocument): string {
  const filters = [filterToken("c", conversationId), filterToken("s", senderId)];
  if (doc.hasFile) filters.push(filterToken("h", "file"));
  if (doc.hasImage) filters.push(filterToken("h", "image"));
  return [...doc.terms.map(ftsToken), ...filters].join(" ");
}

/**
 * A word as one token of FTS5's `ascii` tokenizer, which splits on every ASCII character but letters
 * and digits and keeps every other character: those ASCII characters are moved to plane 15's private
 * use area, one for one, so that a word such as "don't" or "3.14" stays whole and its prefixes stay
 * its prefixes. The tokenizer's own case folding then has nothing left to do (words are folded).
 */
function ftsToken(word: string): string {
  return word.replace(/[^0-9a-z\u0080-\u{10FFFF}]/gu, (c) => String.fromCodePoint(0xf0000 + c.charCodeAt(0)));
}

/** A filter term: a mark no word carries (outside the characters ftsToken produces), a kind, a value. */
function filterToken(kind: "c" | "s" | "h", value: string): string {
  return `\u{F0100}${kind}${ftsToken(value.toLowerCase())}`;
}

/** An FTS5 string literal. */
const literal = (token: string) => `"${token.replaceAll('"', '""')}"`;
const anyOf = (tokens: readonly string[]) => `(${tokens.map(literal).join(" OR ")})`;

/** The FTS5 terms of a search's words and prefixes. */
function wordTerms(s: MessageSearch): string[] {
  return [...s.words.map((w) => literal(ftsToken(w))), ...s.prefixes.map((p) => `${literal(ftsToken(p))}*`)];
}

/** The FTS5 terms of its sender and attachment filters. */
function filterTerms(s: MessageSearch): string[] {
  const terms: string[] = [];
  if (s.senderIds) terms.push(anyOf(s.senderIds.map((id) => filterToken("s", id))));
  if (s.has) terms.push(literal(filterToken("h", s.has)));
  return terms;
}

/**
 * Rows a page reads by its words alone, keeping its conversations' itself, before it lets FTS5
 * intersect the words with the conversations' terms. FTS5 pays for each term of an OR up front and
 * walks all of them when the words are rare (a word found nowhere, ANDed with 40 conversations, took
 * 50 ms over a million messages); the words alone cost next to nothing then. When the words are
 * common but the caller's conversations hold few of them, the budget runs out and the intersection
 * goes on from there, so that a page costs at most about the cheaper of the two plus the budget.
 */
const wordsOnlyBudget = 2000;
/** Conversations a search must span before reading words alone is worth trying first. */
const wordsOnlyFrom = 4;

/** The positions of one page, in SearchPosition order: reads doc ids newest first and stops as soon as it can. */
function searchPage(matching: StatementSync, s: MessageSearch): SearchPosition[] {
  if (s.conversationIds.length === 0 || s.senderIds?.length === 0) return [];
  let upper = Number.MAX_SAFE_INTEGER; // exclusive
  if (s.sentUntil) upper = Math.min(upper, s.sentUntil.getTime() * perMs);
  // The cursor's whole millisecond is read again: its other hits may come before or after it.
  if (s.after) upper = Math.min(upper, (s.after.sentAt.getTime() + 1) * perMs);
  const lower = s.sentFrom ? s.sentFrom.getTime() * perMs : 0;
  const found: SearchPosition[] = [];
  /** Reads the rows of `terms` below `upper`: true once the page is complete or the rows ran out, false after `budget` rows. */
  const read = (terms: string[], accept: (conversationId: string) => boolean, budget: number): boolean => {
    let scanned = 0;
    for (const r of matching.iterate(terms.join(" AND "), lower, upper)) {
      if (scanned++ === budget) return false;
      upper = Number(r.doc_id); // a next read goes on below the last row this one took
      const conversationId = r.conversation_id as string;
      if (!accept(conversationId)) continue;
      const position = positionOf(new Date(Math.floor(Number(r.doc_id) / perMs)), conversationId, Number(r.seq));
      if (s.after && comparePositions(position, s.after) <= 0) continue;
      // Enough, once past the last hit's millisecond (hits of one millisecond are sorted below).
      if (found.length >= s.limit && position.sentAt.getTime() !== found.at(-1)!.sentAt.getTime()) return true;
      found.push(position);
    }
    return true;
  };
  const words = wordTerms(s);
  const members = new Set(s.conversationIds);
  const done = words.length > 0 && s.conversationIds.length >= wordsOnlyFrom && read([...words, ...filterTerms(s)], (id) => members.has(id), wordsOnlyBudget);
  if (!done) read([...words, anyOf(s.conversationIds.map((id) => filterToken("c", id))), ...filterTerms(s)], () => true, Number.POSITIVE_INFINITY);
  return found.sort(comparePositions).slice(0, s.limit);
}

function groupByConversation(positions: readonly SearchPosition[]): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  for (const p of positions) {
    const seqs = groups.get(p.conversationId) ?? [];
    seqs.push(p.seq);
    groups.set(p.conversationId, seqs);
  }
  return groups;
}
