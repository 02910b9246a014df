import type { DatabaseSync, StatementSync } from "node:sqlite";
import type {
  ConversationRecord, DeviceRecord, MemberRecord, MessageRange, MessageRecord,
  ReadStateRecord, UserRecord,
} from "../interface.ts";
import { groupReactions, type ReactionRow, withRichColumns } from "../target-change.ts";

import { prepareSearchStatements } from "./message-search.ts";
import { prepareUploadStatements } from "./upload-tables.ts";
import { preparePushStatements } from "./push-tables.ts";
import { preparePresenceStatements } from "./presence-tables.ts";
import { preparePushJobStatements } from "../../push-queue/sqlite/sqlite-push-queue.ts";

/** A row as node:sqlite returns it. */
export type Row = Record<string, unknown>;

/**
 * Sets up a connection to the store's file: WAL, `synchronous=FULL` (a commit is on disk when it
 * returns), and a busy timeout, since the writer thread, backups and the main thread's reads share the file.
 * The tables are the migrations' business (migrations.ts), run once by the main thread.
 */
export function configureConnection(db: DatabaseSync): void {
  // secure_delete: the bytes of a deleted message's text are zeroed in the page, not left in free
  // space, so that a delete for everyone leaves no trace in the file (see the deleteBody write).
  db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000; PRAGMA secure_delete = ON;");
}

/** Every statement of the store, prepared once per connection. */
export function prepareAll(db: DatabaseSync) {
  const p = (sql: string): StatementSync => db.prepare(sql);
  return {
    insertUser: p("INSERT INTO users VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"),
    userByName: p("SELECT * FROM users WHERE username = ?"),
    insertDevice: p("INSERT INTO devices (device_id, user_id, device_name, token_hash, created_at, last_used_at) VALUES (?, ?, ?, ?, ?, ?)"),
    touchDevice: p("UPDATE devices SET last_used_at = ? WHERE device_id = ? AND user_id = ?"),
    // Bot tokens (with a token scope) never expire from inactivity.
    deleteDevicesUnusedSince: p(`DELETE FROM devices WHERE device_id IN (
      SELECT device_id FROM devices WHERE last_used_at < ? AND device_id NOT IN (SELECT device_id FROM token_scopes) LIMIT ?)
      RETURNING *`),
    setPasswordHash: p("UPDATE users SET password_hash = ? WHERE id = ?"),
    deviceByToken: p("SELECT * FROM devices WHERE token_hash = ?"),
    devicesByUser: p("SELECT * FROM devices WHERE user_id = ? ORDER BY created_at, device_id"),
    deleteDevice: p("DELETE FROM devices WHERE device_id = ? AND user_id = ? RETURNING *"),
    directByPair: p("SELECT conversation_id FROM direct_by_pair WHERE pair_key = ?"),
    insertDirectPair: p("INSERT INTO direct_by_pair VALUES (?, ?)"),
    insertConversation: p("INSERT INTO conversations (id, kind, name, created_at) VALUES (?, ?, ?, ?)"),
    conversationById: p("SELECT * FROM conversations WHERE id = ?"),
    membersOf: p("SELECT * FROM members WHERE conversation_id = ? ORDER BY joined_at, user_id"),
    conversationIdsOf: p("SELECT conversation_id FROM members WHERE user_id = ?"),
    upsertMember: p(`INSERT INTO members VALUES (?, ?, ?, ?)
      ON CONFLICT (conversation_id, user_id) DO UPDATE SET role = excluded.role`),
    deleteMember: p("DELETE FROM members WHERE conversation_id = ? AND user_id = ?"),
    deleteReadState: p("DELETE FROM read_states WHERE conversation_id = ? AND user_id = ?"),
    messageByClientId: p("SELECT * FROM messages WHERE conversation_id = ? AND sender_id = ? AND client_message_id = ?"),
    // ?2 is 1 for a countable message, 0 otherwise (SET reads the row's old values throughout).
    bumpSeq: p(`UPDATE conversations SET last_seq = last_seq + 1, counted = counted + ?2,
      last_counted_seq = CASE WHEN ?2 = 1 THEN last_seq + 1 ELSE last_counted_seq END
      WHERE id = ?1 RETURNING last_seq, counted, last_counted_seq`),
    insertMessage: p(`INSERT INTO messages (conversation_id, seq, sender_id, client_message_id, text, sent_at, content, reply_to_seq, counted, last_counted_seq)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    messageBySeq: p("SELECT * FROM messages WHERE conversation_id = ? AND seq = ?"),
    editMessage: p("UPDATE messages SET text = ?, content = ?, edited_at = ?, last_update_seq = ? WHERE conversation_id = ? AND seq = ?"),
    eraseMessage: p("UPDATE messages SET text = '', content = NULL, deleted_at = ?, last_update_seq = ? WHERE conversation_id = ? AND seq = ?"),
    markUpdated: p("UPDATE messages SET last_update_seq = ? WHERE conversation_id = ? AND seq = ?"),
    reactionsInRange: p("SELECT * FROM reactions_by_message WHERE conversation_id = ? AND seq >= ? AND seq <= ?"),
    putReaction: p("INSERT INTO reactions_by_message VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"),
    removeReaction: p("DELETE FROM reactions_by_message WHERE conversation_id = ? AND seq = ? AND emoji = ? AND user_id = ?"),
    removeReactions: p("DELETE FROM reactions_by_message WHERE conversation_id = ? AND seq = ?"),
    insertMention: p("INSERT OR IGNORE INTO mentions_by_member VALUES (?, ?, ?, ?)"),
    // The newest mentions after a mark, by name and by "@all" (?5) from others, each read at most ?4.
    mentionSeqs: p(`SELECT seq FROM (
      SELECT seq FROM (SELECT seq FROM mentions_by_member WHERE conversation_id = ?1 AND user_id = ?2 AND seq > ?3 ORDER BY seq DESC LIMIT ?4)
      UNION
      SELECT seq FROM (SELECT seq FROM mentions_by_member WHERE conversation_id = ?1 AND user_id = ?5 AND seq > ?3 AND sender_id <> ?2 ORDER BY seq DESC LIMIT ?4))
      ORDER BY seq DESC LIMIT ?4`),
    messagesAsc: p(`SELECT * FROM messages WHERE conversation_id = ? AND seq > ? AND seq < ?
      ORDER BY seq ASC LIMIT ?`),
    messagesDesc: p(`SELECT * FROM messages WHERE conversation_id = ? AND seq > ? AND seq < ?
      ORDER BY seq DESC LIMIT ?`),
    advanceReadState: p(`INSERT INTO read_states VALUES (?1, ?2, max(?3, ?4), ?4)
      ON CONFLICT (conversation_id, user_id) DO UPDATE SET
        delivered_seq = max(delivered_seq, excluded.delivered_seq),
        read_seq = max(read_seq, excluded.read_seq)
      RETURNING *`),
    readStatesOf: p("SELECT * FROM read_states WHERE conversation_id = ?"),
    // The bot tables' writes (their reads are in bot-tables.ts).
    insertBot: p("INSERT INTO bots VALUES (?, ?, ?) ON CONFLICT DO NOTHING"),
    putTokenScope: p(`INSERT INTO token_scopes VALUES (?, ?, ?)
      ON CONFLICT (device_id) DO UPDATE SET conversation_ids = excluded.conversation_ids, can_write = excluded.can_write`),
    ...prepareUploadStatements(db),
    ...prepareSearchStatements(db),
    ...preparePushStatements(db),
    ...preparePresenceStatements(db),
    ...preparePushJobStatements(db),
  };
}
/** The prepared statements of one connection. */
export type Statements = ReturnType<typeof prepareAll>;

/** A history read, each message with its reactions. */
export function listMessages(q: Statements, conversationId: string, r: MessageRange): MessageRecord[] {
  const stmt = r.order === "asc" ? q.messagesAsc : q.messagesDesc;
  return withReactions(q, stmt.all(conversationId, r.afterSeq ?? 0, r.beforeSeq ?? Number.MAX_SAFE_INTEGER, r.limit).map(toMessage));
}

/** One message in its current state (with its reactions). */
export function messageBySeq(q: Statements, conversationId: string, seq: number): MessageRecord | undefined {
  const row = q.messageBySeq.get(conversationId, seq);
  return row ? withReactions(q, [toMessage(row)])[0] : undefined;
}

/**
 * Fills the reactions of a page with one read over its seq range, and only when one of its
 * messages was ever updated (reactions mark their target): a page of plain messages costs nothing more.
 */
export function withReactions(q: Statements, messages: MessageRecord[]): MessageRecord[] {
  const updated = messages.filter((m) => (m.lastUpdateSeq ?? 0) > 0 && !m.deletedAt);
  if (updated.length === 0) return messages;
  const seqs = updated.map((m) => m.seq);
  const rows = q.reactionsInRange.all(messages[0]!.conversationId, Math.min(...seqs), Math.max(...seqs)).map((r): ReactionRow => ({
    seq: Number(r.seq), emoji: r.emoji as string, userId: r.user_id as string, reactedSeq: Number(r.reacted_seq),
  }));
  const grouped = groupReactions(rows);
  for (const m of updated) m.reactions = grouped.get(m.seq) ?? [];
  return messages;
}

/** Inserts a conversation and its first members (inside the caller's transaction). */
export function insertConversation(q: Statements, c: ConversationRecord, members: readonly MemberRecord[]): void {
  q.insertConversation.run(c.id, c.kind, c.name, c.createdAt.getTime());
  for (const m of members) q.upsertMember.run(m.conversationId, m.userId, m.role, m.joinedAt.getTime());
}

/**
 * The transaction statements, prepared once: every write runs a savepoint and a release, and
 * `db.exec` parsed those again each time (a measurable part of an append).
 */
export function prepareTransactionControl(db: DatabaseSync) {
  const p = (sql: string): StatementSync => db.prepare(sql);
  return {
    begin: p("BEGIN IMMEDIATE"), commit: p("COMMIT"), rollback: p("ROLLBACK"),
    savepoint: p("SAVEPOINT one"), release: p("RELEASE one"), rollbackTo: p("ROLLBACK TO one"),
  };
}
/** BEGIN/COMMIT/SAVEPOINT statements of one connection. */
export type TransactionControl = ReturnType<typeof prepareTransactionControl>;

/** Runs `fn` inside a savepoint of the open transaction; on error rolls back `fn` alone and returns the error. */
export function savepoint<T>(tx: TransactionControl, fn: () => T): T | Error {
  tx.savepoint.run();
  try {
    const result = fn();
    tx.release.run();
    return result;
  } catch (err) {
    tx.rollbackTo.run();
    tx.release.run();
    return err instanceof Error ? err : new Error(String(err));
  }
}

/** Runs `fn` in one transaction; rolls back on any error. */
export function transaction<T>(tx: TransactionControl, fn: () => T): T {
  tx.begin.run();
  try {
    const result = fn();
    tx.commit.run();
    return result;
  } catch (err) {
    tx.rollback.run();
    throw err;
  }
}

const date = (v: unknown) => new Date(Number(v));
/** Row to record. */
export const toUser = (r: Row): UserRecord => ({
  id: r.id as string, username: r.username as string, displayName: r.display_name as string,
  passwordHash: r.password_hash as string, createdAt: date(r.created_at),
});
/** Row to record. */
export const toDevice = (r: Row): DeviceRecord => ({
  deviceId: r.device_id as string, userId: r.user_id as string, deviceName: r.device_name as string,
  tokenHash: r.token_hash as string, createdAt: date(r.created_at),
  lastUsedAt: r.last_used_at === null || r.last_used_at === undefined ? undefined : date(r.last_used_at),
});
/** Row to record. */
export const toConversation = (r: Row): ConversationRecord => ({
  id: r.id as string, kind: r.kind as ConversationRecord["kind"], name: r.name as string,
  createdAt: date(r.created_at), lastSeq: Number(r.last_seq),
});
/** Row to record. */
export const toMember = (r: Row): MemberRecord => ({
  conversationId: r.conversation_id as string, userId: r.user_id as string,
  role: r.role as MemberRecord["role"], joinedAt: date(r.joined_at),
});
/** Row to record (reactions are filled by {@link withReactions}). */
export const toMessage = (r: Row): MessageRecord => withRichColumns({
  conversationId: r.conversation_id as string, seq: Number(r.seq), senderId: r.sender_id as string,
  clientMessageId: r.client_message_id as string, text: r.text as string, sentAt: date(r.sent_at),
}, {
  content: r.content as Uint8Array | null, replyToSeq: Number(r.reply_to_seq ?? 0), lastUpdateSeq: Number(r.last_update_seq ?? 0),
  editedAt: r.edited_at == null ? undefined : date(r.edited_at), deletedAt: r.deleted_at == null ? undefined : date(r.deleted_at),
});
/** Row to record. */
export const toReadState = (r: Row): ReadStateRecord => ({
  conversationId: r.conversation_id as string, userId: r.user_id as string,
  deliveredSeq: Number(r.delivered_seq), readSeq: Number(r.read_seq),
});
