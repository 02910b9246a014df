import { DatabaseSync } from "node:sqlite";
import type { NewMessage, Store } from "../interface.ts";
import { AppendWorker } from "./append-worker-client.ts";
import { createSqliteBotStore } from "./bot-tables.ts";
import { secureDatabaseFiles, type TightenedMode } from "./file-modes.ts";
import { GroupCommit } from "./group-commit.ts";
import { migrateSqlite } from "./migrations.ts";
import { createSqliteUserSearch } from "./user-search.ts";
import type { MigrationReport } from "../migrations.ts";
import {
  type Appended, type Row, appendBatch, configureConnection, insertConversation, listMessages, prepareAll,
  prepareTransactionControl, toConversation, toDevice, toMember, toReadState, toUser, transaction,
} from "./statements.ts";

/** Options of {@link createSqliteStore}. */
export interface SqliteStoreOptions {
  /** Database file; ":memory:" for a throwaway store. Its folder is created when missing (0700, the files 0600). */
  path: string;
  /** Hears what the schema migrations did at open (for the startup log). */
  onMigrated?: (report: MigrationReport) => void;
  /** Hears which existing files and folders had modes looser than 0600/0700 and were tightened (for a warning). */
  onTightened?: (changes: TightenedMode[]) => void;
}

/**
 * The embedded default store: one SQLite file in WAL mode with `synchronous=FULL`, so that a
 * resolved write survives a crash of the process and of the machine.
 *
 * Limits: one process owns the file (it is not a cluster store), and writes are serialized. Appends
 * are group-committed on a worker thread: while one batch commits (and fsyncs) there, the event loop
 * goes on serving and queues the next batch, so the fsync neither blocks the node nor costs one per
 * message. A ":memory:" store (tests) commits its batches in-thread. Opening applies the pending
 * schema migrations (migrations.ts).
 */
export function createSqliteStore(options: SqliteStoreOptions): Store {
  if (options.path !== ":memory:") {
    const tightened = secureDatabaseFiles(options.path);
    if (tightened.length > 0) options.onTightened?.(tightened);
  }
  const db = new DatabaseSync(options.path);
  configureConnection(db);
  // Before the append worker opens its connection: it expects the tables to be there.
  const report = migrateSqlite(db);
  options.onMigrated?.(report);
  const q = prepareAll(db);
  const tx = prepareTransactionControl(db);
  const worker = options.path === ":memory:" ? undefined : new AppendWorker(options.path);
  const appends = new GroupCommit<NewMessage, Appended>(
    worker ? (batch) => worker.append(batch) : async (batch) => appendBatch(q, tx, batch),
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
      q.insertDevice.run(d.deviceId, d.userId, d.deviceName, d.tokenHash, d.createdAt.getTime(), (d.lastUsedAt ?? d.createdAt).getTime());
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
    async touchDevice(userId, deviceId, at) {
      q.touchDevice.run(at.getTime(), deviceId, userId);
    },
    async deleteDevicesUnusedSince(cutoff, limit) {
      // Every device has a last use here (migration 3 gave the older ones one).
      return q.deleteDevicesUnusedSince.all(cutoff.getTime(), limit).map(toDevice);
    },
    async setPasswordHash(user, passwordHash) {
      q.setPasswordHash.run(passwordHash, user.id);
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
    async removeMember(conversationId, userId, heir) {
      transaction(tx, () => {
        q.deleteMember.run(conversationId, userId);
        q.deleteReadState.run(conversationId, userId);
        if (heir) q.upsertMember.run(heir.conversationId, heir.userId, heir.role, heir.joinedAt.getTime());
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

    ...createSqliteBotStore(db),
    ...createSqliteUserSearch(db),

    async close() {
      await appends.drain();
      await worker?.close();
      db.close();
    },
  };
}

