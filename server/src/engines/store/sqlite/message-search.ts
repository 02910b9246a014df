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
 * of its last hit's millisecond and sorts (see {@link searchPage}). The table is contentless (the
 * text lives in `messages`) with `detail=none` (no positions: phrases are checked by the core on
 * the text), which keeps it small; `message_search_docs` maps a doc id to its message and back.
 *
 * Limits: 2048 messages per millisecond (doc ids stay exact JavaScript numbers until the year 2109);
 * a search over very many conversations is an OR of that many terms, which FTS5 merges in one pass.
 */
export function createSqliteMessageSearch(db: DatabaseSync, messageRows: (conversationId: string, seqs: number[]) => MessageRecord[]): MessageSearchStore {
  return {
    async searchMessages(search) {
      const positions = searchPage(db, search);
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
    docOf: p("SELECT doc_id FROM message_search_docs WHERE conversation_id = ? AND seq = ?"),
    deleteDoc: p("DELETE FROM message_search_docs WHERE doc_id = ?"),
    insertTerms: p("INSERT INTO message_search (rowid, terms) VALUES (?, ?)"),
    deleteTerms: p("DELETE FROM message_search WHERE rowid = ?"),
  };
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
  q.insertTerms.run(docId, ftsText(m.conversationId, m.senderId, doc));
}

/**
 * Re-indexes the target of an update entry: an edit replaces its words (the sender is the entry's,
 * which an edit requires to be the target's), a delete removes it. Reactions change nothing searched.
 */
export function indexChange(q: SearchStatements, conversationId: string, senderId: string, c: TargetChange): void {
  if (c.kind === "reaction") return;
  const row = q.docOf.get(conversationId, c.targetSeq) as { doc_id: number } | undefined;
  if (!row) return; // never indexed: not a searchable message
  const docId = Number(row.doc_id);
  q.deleteTerms.run(docId);
  if (c.kind === "delete") q.deleteDoc.run(docId);
  else q.insertTerms.run(docId, ftsText(conversationId, senderId, editedDocument(c.text, c.content)));
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
  }
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

/** The FTS5 expression of a search: every word, every prefix, one of the conversations, one of the senders, the has filter. */
function expressionOf(s: MessageSearch): string {
  const parts = [
    ...s.words.map((w) => literal(ftsToken(w))),
    ...s.prefixes.map((p) => `${literal(ftsToken(p))}*`),
    anyOf(s.conversationIds.map((id) => filterToken("c", id))),
  ];
  if (s.senderIds) parts.push(anyOf(s.senderIds.map((id) => filterToken("s", id))));
  if (s.has) parts.push(literal(filterToken("h", s.has)));
  return parts.join(" AND ");
}

/** The positions of one page, in SearchPosition order: reads doc ids newest first and stops as soon as it can. */
function searchPage(db: DatabaseSync, s: MessageSearch): SearchPosition[] {
  if (s.conversationIds.length === 0 || s.senderIds?.length === 0) return [];
  let upper = Number.MAX_SAFE_INTEGER; // exclusive
  if (s.sentUntil) upper = Math.min(upper, s.sentUntil.getTime() * perMs);
  // The cursor's whole millisecond is read again: its other hits may come before or after it.
  if (s.after) upper = Math.min(upper, (s.after.sentAt.getTime() + 1) * perMs);
  const lower = s.sentFrom ? s.sentFrom.getTime() * perMs : 0;
  const found: SearchPosition[] = [];
  const rows = db.prepare(`SELECT d.doc_id, d.conversation_id, d.seq FROM message_search AS f
    JOIN message_search_docs AS d ON d.doc_id = f.rowid
    WHERE message_search MATCH ? AND f.rowid >= ? AND f.rowid < ? ORDER BY f.rowid DESC`).iterate(expressionOf(s), lower, upper);
  for (const r of rows) {
    const position = positionOf(new Date(Math.floor(Number(r.doc_id) / perMs)), r.conversation_id as string, Number(r.seq));
    if (s.after && comparePositions(position, s.after) <= 0) continue;
    // Enough, once past the last hit's millisecond (hits of one millisecond are sorted below).
    if (found.length >= s.limit && position.sentAt.getTime() !== found.at(-1)!.sentAt.getTime()) break;
    found.push(position);
  }
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
