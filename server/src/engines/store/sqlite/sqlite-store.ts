import { DatabaseSync } from "node:sqlite";
import type { Store } from "../interface.ts";
import { storedOf } from "../target-change.ts";
import { createSqliteBotStore } from "./bot-tables.ts";
import { secureDatabaseFiles, type TightenedMode } from "./file-modes.ts";
import { GroupCommit } from "./group-commit.ts";
import { createSqliteMessageSearch } from "./message-search.ts";
import { migrateSqlite } from "./migrations.ts";
import { createSqliteUnreadStore } from "./unread-counts.ts";
import { createSqliteUploadStore } from "./upload-tables.ts";
import { createSqlitePushStore } from "./push-tables.ts";
import { createSqlitePresenceStore } from "./presence-tables.ts";
import { createSqlitePushQueue, type SqlitePushQueueOptions } from "../../push-queue/sqlite/sqlite-push-queue.ts";
import type { PushQueue } from "../../push-queue/interface.ts";
import { createSqliteUserSearch } from "./user-search.ts";
import { WriteThread } from "./write-thread-client.ts";
import { appendResultOf, commitWrites, type Write, type Writer } from "./writes.ts";
import type { MigrationReport } from "../migrations.ts";
import {
  configureConnection, listMessages, prepareAll, prepareTransactionControl, toConversation, toDevice, toMember,
  toMessage, toReadState, toUser, withReactions,
} from "./statements.ts";

/** Options of {@link createSqliteStore}. */
export interface SqliteStoreOptions {
  /** Database file; ":memory:" for a throwaway store. Its folder is created when missing (0700, the files 0600). */
  path: string;
  /** Hears what the schema migrations did at open (for the startup log). */
  onMigrated?: (report: MigrationReport) => void;
  /** Hears which existing files and folders had modes looser than 0600/0700 and were tightened (for a warning). */
  onTightened?: (changes: TightenedMode[]) => void;
  /**
   * The least time between the starts of two commits of the writer thread (write-thread.ts). 0, the
   * default, paces nothing: pacing costs latency under load (docs/benchmarks.md).
   */
  commitIntervalMs?: number;
}

/** The embedded store, which also holds the embedded push queue's table. */
export interface SqliteStore extends Store {
  /** The push queue in this store's file, written through its writer (engines/push-queue/sqlite). */
  pushQueue(options: SqlitePushQueueOptions): PushQueue;
}

/**
 * The embedded default store: one SQLite file in WAL mode with `synchronous=FULL`, so that a
 * resolved write survives a crash of the process and of the machine.
 *
 * Limits: one process owns the file (it is not a cluster store), and writes are serialized. Every
 * write (messages, receipts, members, accounts, bots) is group-committed on one writer thread
 * (writes.ts): while one batch commits (and fsyncs) there, the event loop goes on serving and queues
 * the next batch, so no fsync blocks the node and many writes share one. Writes commit in the order
 * they were called; a write resolves once it is on disk, so a read after it sees it. Reads run on
 * the main thread's own connection. A ":memory:" store (tests) commits its batches in-thread.
 * Opening applies the pending schema migrations (migrations.ts).
 */
export function createSqliteStore(options: SqliteStoreOptions): SqliteStore {
  if (options.path !== ":memory:") {
    const tightened = secureDatabaseFiles(options.path);
    if (tightened.length > 0) options.onTightened?.(tightened);
  }
  const db = new DatabaseSync(options.path);
  configureConnection(db);
  // Before the writer thread opens its connection: it expects the tables to be there.
  const report = migrateSqlite(db);
  options.onMigrated?.(report);
  const q = prepareAll(db);
  const tx = prepareTransactionControl(db);
  const thread = options.path === ":memory:" ? undefined : new WriteThread(options.path, options.commitIntervalMs ?? 0);
  const writes = new GroupCommit<Write, unknown>(
    thread ? (batch) => thread.commit(batch) : async (batch) => commitWrites(q, tx, batch),
  );
  // TypeScript cannot tie a generic kind to its member of the Write union, nor the result back to the
  // kind: Writer's signature is what keeps each call's arguments and result right.
  const write: Writer = (kind, ...args) => writes.submit({ kind, args } as unknown as Write) as Promise<never>;

  const messagesBySeq = (conversationId: string, seqs: readonly number[]) => {
    if (seqs.length === 0) return [];
    const rows = db.prepare(`SELECT * FROM messages WHERE conversation_id = ? AND seq IN (${seqs.map(() => "?").join(",")}) ORDER BY seq`)
      .all(conversationId, ...seqs).map(toMessage);
    return withReactions(q, rows);
  };

  return {
    createUser: (u) => write("createUser", u),
    async getUsers(ids) {
      if (ids.length === 0) return [];
      return db.prepare(`SELECT * FROM users WHERE id IN (${ids.map(() => "?").join(",")})`)
        .all(...ids).map(toUser);
    },
    async getUserByUsername(username) {
      const row = q.userByName.get(username);
      return row ? toUser(row) : undefined;
    },

    createDevice: (d) => write("createDevice", d),
    async getDeviceByTokenHash(hash) {
      const row = q.deviceByToken.get(hash);
      return row ? toDevice(row) : undefined;
    },
    async listDevices(userId) {
      return q.devicesByUser.all(userId).map(toDevice);
    },
    deleteDevice: (userId, deviceId) => write("deleteDevice", userId, deviceId),
    touchDevice: (userId, deviceId, at) => write("touchDevice", userId, deviceId, at),
    deleteDevicesUnusedSince: (cutoff, limit) => write("deleteDevicesUnusedSince", cutoff, limit),
    setPasswordHash: (user, passwordHash) => write("setPasswordHash", user.id, passwordHash),

    getOrCreateDirect: (conv, members) => write("getOrCreateDirect", conv, members),
    createGroup: (conv, members) => write("createGroup", conv, members),
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
    putMembers: (members) => write("putMembers", members),
    removeMember: (conversationId, userId, heir) => write("removeMember", conversationId, userId, heir),

    appendMessage: async (m) => storedOf(appendResultOf(m, await write("appendMessage", m))),
    appendUpdate: async (m) => appendResultOf(m, await write("appendMessage", m)),
    async listMessages(conversationId, range) {
      return listMessages(q, conversationId, range);
    },
    async getMessages(conversationId, seqs) {
      return messagesBySeq(conversationId, seqs);
    },

    advanceReadState: (s) => write("advanceReadState", s),
    async listReadStates(conversationId) {
      return q.readStatesOf.all(conversationId).map(toReadState);
    },

    ...createSqliteUnreadStore(db, q),
    ...createSqliteBotStore(db, write),
    ...createSqliteUserSearch(db),
    ...createSqliteUploadStore(db, write),
    ...createSqliteMessageSearch(db, (conversationId, seqs) => messagesBySeq(conversationId, seqs)),
    ...createSqlitePushStore(db, write),
    ...createSqlitePresenceStore(db, write),
    pushQueue: (queueOptions) => createSqlitePushQueue(write, queueOptions),

    async close() {
      await writes.drain();
      await thread?.close();
      db.close();
    },
  };
}

