import { DatabaseSync, type StatementSync } from "node:sqlite";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type {
  ConversationRecord, DeviceRecord, MemberRecord, MessageRange, MessageRecord, NewMessage,
  ReadStateRecord, Store, UserRecord,
} from "../interface.ts";
import { schema } from "./schema.ts";
import { GroupCommit } from "./group-commit.ts";

/** Options of {@link createSqliteStore}. */
export interface SqliteStoreOptions {
  /** Database file; ":memory:" for a throwaway store. Its folder is created when missing. */
  path: string;
}

type Row = Record<string, unknown>;

/**
 * The embedded default store: one SQLite file in WAL mode with `synchronous=FULL`, so that a
 * resolved write survives a crash of the process and of the machine.
 *
 * Limits: one process owns the file (it is not a cluster store), and writes are serialized. Appends
 * are group-committed: every append queued within one event-loop turn shares one transaction and one
 * fsync, which is what makes durable-before-ACK affordable.
 */
export function createSqliteStore(options: SqliteStoreOptions): Store {
  if (options.path !== ":memory:") mkdirSync(dirname(options.path), { recursive: true });
  const db = new DatabaseSync(options.path);
  db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;");
  db.exec(schema);
  const q = prepareAll(db);
  const tx = prepareTransactionControl(db);
  const appends = new GroupCommit<NewMessage, { message: MessageRecord; duplicate: boolean }>(
    (batch) => transaction(tx, () => batch.map((m) => savepoint(tx, () => appendOne(q, m)))),
  );

  return {
    async createUser(u) {
      const r = q.insertUser.run(u.id, u.username, u.displayName, u.passwordHash, u.createdAt.getTime());
      return r.changes === 1;
    },
    async getUsers(ids) {
      if (ids.length === 0) return [];
      return db.prepare(`SELECT * FROM users WHERE id IN (${ids.map(() => "?").join(",")})`)
        .all(...ids).map(toUser);
    },
    async getUserByUsername(username) {
      const row = q.userByName.get(username);
      return row ? toUser(row) : undefined;
    },

    async createDevice(d) {
      q.insertDevice.run(d.deviceId, d.userId, d.deviceName, d.tokenHash, d.createdAt.getTime());
    },
    async getDeviceByTokenHash(hash) {
      const row = q.deviceByToken.get(hash);
      return row ? toDevice(row) : undefined;
    },
    async listDevices(userId) {
      return q.devicesByUser.all(userId).map(toDevice);
    },
    async deleteDevice(userId, deviceId) {
      const row = q.deleteDevice.get(deviceId, userId);
      return row ? toDevice(row) : undefined;
    },

    async getOrCreateDirect(conv, members) {
      const pairKey = members.map((m) => m.userId).sort().join(":");
      return transaction(tx, () => {
        const existing = q.directByPair.get(pairKey) as Row | undefined;
        if (existing) {
          return { conversation: toConversation(q.conversationById.get(existing.conversation_id as string)!), created: false };
        }
        q.insertDirectPair.run(pairKey, conv.id);
        insertConversation(q, conv, members);
        return { conversation: { ...conv, lastSeq: 0 }, created: true };
      });
    },
    async createGroup(conv, members) {
      transaction(tx, () => insertConversation(q, conv, members));
    },
    async getConversation(id) {
      const row = q.conversationById.get(id);
      return row ? toConversation(row) : undefined;
    },
    async listMembers(conversationId) {
      return q.membersOf.all(conversationId).map(toMember);
    },
    async listConversationIds(userId) {
      return q.conversationIdsOf.all(userId).map((r) => r.conversation_id as string);
    },
    async putMembers(members) {
      transaction(tx, () => {
        for (const m of members) q.upsertMember.run(m.conversationId, m.userId, m.role, m.joinedAt.getTime());
      });
    },
    async removeMember(conversationId, userId) {
      transaction(tx, () => {
        q.deleteMember.run(conversationId, userId);
        q.deleteReadState.run(conversationId, userId);
      });
    },

    appendMessage: (m) => appends.submit(m),
    async listMessages(conversationId, range) {
      return listMessages(q, conversationId, range);
    },

    async advanceReadState(s) {
      return toReadState(q.advanceReadState.get(s.conversationId, s.userId, s.deliveredSeq, s.readSeq)!);
    },
    async listReadStates(conversationId) {
      return q.readStatesOf.all(conversationId).map(toReadState);
    },

    async close() {
      await appends.drain();
      db.close();
    },
  };
}

function prepareAll(db: DatabaseSync) {
  const p = (sql: string): StatementSync => db.prepare(sql);
  return {
    insertUser: p("INSERT INTO users VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"),
    userByName: p("SELECT * FROM users WHERE username = ?"),
    insertDevice: p("INSERT INTO devices VALUES (?, ?, ?, ?, ?)"),
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
    bumpSeq: p("UPDATE conversations SET last_seq = last_seq + 1 WHERE id = ? RETURNING last_seq"),
    insertMessage: p("INSERT INTO messages VALUES (?, ?, ?, ?, ?, ?)"),
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
  };
}
type Statements = ReturnType<typeof prepareAll>;

function appendOne(q: Statements, m: NewMessage): { message: MessageRecord; duplicate: boolean } {
  const existing = q.messageByClientId.get(m.conversationId, m.senderId, m.clientMessageId);
  if (existing) return { message: toMessage(existing), duplicate: true };
  const bumped = q.bumpSeq.get(m.conversationId) as Row | undefined;
  if (!bumped) throw new Error(`conversation ${m.conversationId} does not exist`);
  const seq = Number(bumped.last_seq);
  q.insertMessage.run(m.conversationId, seq, m.senderId, m.clientMessageId, m.text, m.sentAt.getTime());
  q.advanceReadState.run(m.conversationId, m.senderId, seq, seq);
  return { message: { ...m, seq }, duplicate: false };
}

function listMessages(q: Statements, conversationId: string, r: MessageRange): MessageRecord[] {
  const stmt = r.order === "asc" ? q.messagesAsc : q.messagesDesc;
  return stmt.all(conversationId, r.afterSeq ?? 0, r.beforeSeq ?? Number.MAX_SAFE_INTEGER, r.limit).map(toMessage);
}

function insertConversation(q: Statements, c: ConversationRecord, members: readonly MemberRecord[]): void {
  q.insertConversation.run(c.id, c.kind, c.name, c.createdAt.getTime());
  for (const m of members) q.upsertMember.run(m.conversationId, m.userId, m.role, m.joinedAt.getTime());
}

/**
 * The transaction statements, prepared once: every append runs a savepoint and a release, and
 * `db.exec` parsed those again each time (a measurable part of an append).
 */
function prepareTransactionControl(db: DatabaseSync) {
  const p = (sql: string): StatementSync => db.prepare(sql);
  return {
    begin: p("BEGIN IMMEDIATE"), commit: p("COMMIT"), rollback: p("ROLLBACK"),
    savepoint: p("SAVEPOINT one"), release: p("RELEASE one"), rollbackTo: p("ROLLBACK TO one"),
  };
}
type TransactionControl = ReturnType<typeof prepareTransactionControl>;

/** Runs `fn` inside a savepoint of the open transaction; on error rolls back `fn` alone and returns the error. */
function savepoint<T>(tx: TransactionControl, fn: () => T): T | Error {
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
function transaction<T>(tx: TransactionControl, fn: () => T): T {
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
const toUser = (r: Row): UserRecord => ({
  id: r.id as string, username: r.username as string, displayName: r.display_name as string,
  passwordHash: r.password_hash as string, createdAt: date(r.created_at),
});
const toDevice = (r: Row): DeviceRecord => ({
  deviceId: r.device_id as string, userId: r.user_id as string, deviceName: r.device_name as string,
  tokenHash: r.token_hash as string, createdAt: date(r.created_at),
});
const toConversation = (r: Row): ConversationRecord => ({
  id: r.id as string, kind: r.kind as ConversationRecord["kind"], name: r.name as string,
  createdAt: date(r.created_at), lastSeq: Number(r.last_seq),
});
const toMember = (r: Row): MemberRecord => ({
  conversationId: r.conversation_id as string, userId: r.user_id as string,
  role: r.role as MemberRecord["role"], joinedAt: date(r.joined_at),
});
const toMessage = (r: Row): MessageRecord => ({
  conversationId: r.conversation_id as string, seq: Number(r.seq), senderId: r.sender_id as string,
  clientMessageId: r.client_message_id as string, text: r.text as string, sentAt: date(r.sent_at),
});
const toReadState = (r: Row): ReadStateRecord => ({
  conversationId: r.conversation_id as string, userId: r.user_id as string,
  deliveredSeq: Number(r.delivered_seq), readSeq: Number(r.read_seq),
});
