import { randomUUID } from "node:crypto";
import type { types } from "cassandra-driver";
import type {
  ConversationRecord, MemberRecord, ReadStateRecord, Store, UserRecord,
} from "../interface.ts";
import { type Cql, connectCql, parseConsistency, type Statement } from "./cql.ts";
import { type AppendRoute, createMemoryAppendRoute } from "./append-route.ts";
import { createScyllaBotStore } from "./bot-tables.ts";
import { createScyllaDeviceStore } from "./device-tables.ts";
import { MessageLog } from "./message-log.ts";
import { MessageRows } from "./message-rows.ts";
import { createScyllaMessageSearch } from "./message-search.ts";
import { MessageSearchIndex } from "./message-search-index.ts";
import { SearchBacklog } from "./search-backlog.ts";
import { storedOf } from "../target-change.ts";
import type { MigrationReport } from "../migrations.ts";
import { markStatements, marksRow, membershipOf } from "./read-marks.ts";
import { OwnerRouter } from "./owner-router.ts";
import { defaultLeaseTimings, type LeaseTimings, SequencerLeases } from "./sequencer-leases.ts";
import { createKeyspace, migrate, type Replication } from "./schema.ts";
import { createScyllaUnreadStore } from "./unread-counts.ts";
import { createScyllaUploadStore } from "./upload-tables.ts";
import { createScyllaPushStore, muteDelete } from "./push-tables.ts";
import { createScyllaPresenceStore } from "./presence-tables.ts";
import { createScyllaUserSearch, indexUserForSearch } from "./user-search.ts";

/** Options of {@link createScyllaStore}. */
export interface ScyllaStoreOptions {
  /** "host" or "host:port" of a few nodes of the cluster. */
  contactPoints: string[];
  /** The data center this server runs in (queries prefer its replicas). */
  localDataCenter: string;
  keyspace: string;
  /** Consistency of reads and writes, by name; LOCAL_QUORUM by default. */
  consistency?: string;
  /** Consistency of the Paxos round of lightweight transactions: LOCAL_SERIAL (default) or SERIAL. */
  serialConsistency?: string;
  /** Used when the keyspace is created; SimpleStrategy with one replica by default. */
  replication?: Replication;
  /** Seqs per message partition, fixed when the keyspace is created; 1000 by default. */
  bucketSize?: number;
  /** Applies pending schema migrations at startup (see migrations.ts); true by default. */
  migrate?: boolean;
  /** Hears what the schema migrations did (for the startup log). */
  onMigrated?: (report: MigrationReport) => void;
  /** This node's id in the cluster: where other nodes forward appends it sequences. Random by default. */
  nodeId?: string;
  /**
   * How appends reach the node that sequences their conversation. Stores of one process share a
   * {@link createMemoryAppendRoute}; cluster nodes use createRedisAppendRoute. A store alone gets
   * a route of its own (it takes every slot's lease itself).
   */
  route?: AppendRoute;
  /** Sequencer lease timings; {@link defaultLeaseTimings} by default. */
  leaseTimings?: LeaseTimings;
  /** Hears about failures in background work (lease renewals, search index retries). */
  onError?: (error: unknown) => void;
  /** How often the search index work of failed sends is retried (search-backlog.ts); 30 s by default. */
  searchRetryIntervalMs?: number;
}

/** Statements in one logged batch at most: large batches strain the coordinator. */
const maxBatch = 50;

/**
 * The cluster store on ScyllaDB or Apache Cassandra: every table is read by its partition key
 * (see schema.ts), every statement prepared and routed to a replica of its partition.
 *
 * Uniqueness of usernames, of the direct conversation of a pair and of each slot's sequencer
 * rests on lightweight transactions, the only cluster-wide compare-and-set; messages are plain
 * writes by their conversation's sequencer (owner-router.ts, message-log.ts), and everything else
 * is plain idempotent writes at the configured consistency: a resolved write is on a quorum.
 */
export async function createScyllaStore(options: ScyllaStoreOptions): Promise<Store> {
  const consistency = parseConsistency(options.consistency ?? "localQuorum");
  const serialConsistency = parseConsistency(options.serialConsistency ?? "localSerial");
  const bucketSize = options.bucketSize ?? 1000;
  const connect = (keyspace?: string) => connectCql({
    contactPoints: options.contactPoints, localDataCenter: options.localDataCenter,
    ...(keyspace ? { keyspace } : {}), consistency, serialConsistency,
  });
  if (options.migrate ?? true) {
    const admin = await connect();
    try {
      await createKeyspace(admin, options.keyspace, options.replication ?? { strategy: "SimpleStrategy", replicationFactor: 1 });
    } finally {
      await admin.close();
    }
  }
  const cql = await connect(options.keyspace);
  if (options.migrate ?? true) {
    try {
      // Not inside `onMigrated?.(…)`: an optional call skips evaluating its arguments when unset.
      const report = await migrate(cql, { bucketSize });
      options.onMigrated?.(report);
    } catch (err) {
      await cql.close();
      throw err;
    }
  }
  const nodeId = options.nodeId ?? randomUUID();
  const timings = options.leaseTimings ?? defaultLeaseTimings;
  const onError = options.onError ?? ((err: unknown) => process.emitWarning(err as Error));
  const leases = new SequencerLeases(cql, `${nodeId}/${randomUUID().slice(0, 8)}`, timings, onError);
  // Index work of sends that failed, retried by every node (search-backlog.ts).
  const backlog = new SearchBacklog(cql, new MessageSearchIndex(bucketSize), (conversationId, seqs) => log.get(conversationId, seqs), {
    onError, ...(options.searchRetryIntervalMs ? { intervalMs: options.searchRetryIntervalMs } : {}),
  });
  const log = new MessageLog(cql, bucketSize, leases, (entries) => {
    backlog.record(entries).catch(onError);
  });
  const route = options.route ?? createMemoryAppendRoute();
  const router = new OwnerRouter(leases, log, route, timings);
  await router.serve(nodeId);
  const memberships = membershipStatements();
  const getUsers = async (ids: readonly string[]): Promise<UserRecord[]> => {
    const rows = await Promise.all([...new Set(ids)].map(async (id) =>
      (await cql.execute("SELECT * FROM users WHERE id = ?", [id])).first()));
    return rows.filter((r) => r !== null).map(toUser);
  };

  return {
    async createUser(u) {
      const values = [u.id, u.username, u.displayName, u.passwordHash, u.createdAt];
      await cql.execute("INSERT INTO users (id, username, display_name, password_hash, created_at) VALUES (?, ?, ?, ?, ?)", values);
      const claim = await cql.cas(`INSERT INTO users_by_username (username, id, display_name, password_hash, created_at)
        VALUES (?, ?, ?, ?, ?) IF NOT EXISTS`, [u.username, u.id, u.displayName, u.passwordHash, u.createdAt]);
      // A timed-out try of our own may have taken the name: then the row holds our id.
      if (claim.applied || claim.current?.get("id") === u.id) {
        await indexUserForSearch(cql, u);
        return true;
      }
      await cql.execute("DELETE FROM users WHERE id = ?", [u.id]);
      return false;
    },
    getUsers,
    async getUserByUsername(username) {
      const row = (await cql.execute("SELECT * FROM users_by_username WHERE username = ?", [username])).first();
      return row ? toUser(row) : undefined;
    },

    async getOrCreateDirect(conv, members) {
      const pairKey = members.map((m) => m.userId).sort().join(":");
      // The conversation row goes first, so that whoever wins the pair finds it; a loser's row is
      // an orphan nobody can reach. Members go last, as they make the conversation visible.
      await insertConversation(cql, conv);
      const claim = await cql.cas("INSERT INTO direct_by_pair (pair_key, conversation_id) VALUES (?, ?) IF NOT EXISTS", [pairKey, conv.id]);
      const id = claim.applied ? conv.id : (claim.current!.get("conversation_id") as string);
      if (id === conv.id) {
        await cql.batch(members.flatMap((m) => memberships.put(m)));
        return { conversation: { ...conv, lastSeq: 0 }, created: true };
      }
      await cql.execute("DELETE FROM conversations WHERE id = ?", [conv.id]);
      const existing = (await getConversation(cql, log, id))!;
      // The winner may have died before writing the members: finish its work, as it would have.
      if ((await cql.execute("SELECT user_id FROM members_by_conversation WHERE conversation_id = ? LIMIT 1", [id])).rowLength === 0) {
        await cql.batch(members.flatMap((m) => memberships.put({ ...m, conversationId: id, joinedAt: existing.createdAt })));
      }
      return { conversation: existing, created: false };
    },
    async createGroup(conv, members) {
      await insertConversation(cql, conv);
      await inBatches(cql, members.flatMap((m) => memberships.put(m)));
    },
    getConversation: (id) => getConversation(cql, log, id),
    async listMembers(conversationId) {
      const rows = await cql.all("SELECT * FROM members_by_conversation WHERE conversation_id = ?", [conversationId]);
      return rows.map(toMember).sort((a, b) => a.joinedAt.getTime() - b.joinedAt.getTime() || compare(a.userId, b.userId));
    },
    async listConversationIds(userId) {
      const rows = await cql.all("SELECT conversation_id FROM conversations_by_user WHERE user_id = ?", [userId]);
      return rows.map((r) => r.get("conversation_id") as string);
    },
    async putMembers(members) {
      // Keep the joinedAt of existing members: it is their identity in read_states.
      const existing = new Map<string, Date>();
      for (const [conversationId, userIds] of groupBy(members, (m) => m.conversationId, (m) => m.userId)) {
        const rows = await cql.execute("SELECT user_id, joined_at FROM members_by_conversation WHERE conversation_id = ? AND user_id IN ?",
          [conversationId, userIds]);
        for (const r of rows.rows) existing.set(`${conversationId}:${r.get("user_id")}`, r.get("joined_at"));
      }
      await inBatches(cql, members.flatMap((m) =>
        memberships.put({ ...m, joinedAt: existing.get(`${m.conversationId}:${m.userId}`) ?? m.joinedAt })));
    },
    async removeMember(conversationId, userId, heir) {
      const joinedAt = await membershipOf(cql, conversationId, userId);
      if (!joinedAt) return;
      // One logged batch: the leaver's rows and the heir's new role happen together or not at all.
      await cql.batch([...memberships.delete(conversationId, userId), {
        query: "DELETE FROM read_states WHERE conversation_id = ? AND user_id = ? AND joined_at = ?",
        params: [conversationId, userId, joinedAt],
      }, muteDelete(conversationId, userId), ...(heir ? memberships.put(heir) : [])]);
    },

    async appendMessage(m) {
      return storedOf(await router.append(m)); // the sender's marks rise in the same batch (message-log.ts)
    },
    async appendUpdate(m) {
      const { leaseLeftMs: _left, ...result } = await router.append(m);
      return result;
    },
    listMessages: (conversationId, range) => log.list(conversationId, range),
    getMessages: (conversationId, seqs) => log.get(conversationId, seqs),

    async advanceReadState(s) {
      const where = await raiseMarks(cql, s);
      if (!where) throw new Error(`user ${s.userId} is not a member of conversation ${s.conversationId}`);
      return toReadState((await cql.execute(`SELECT * FROM read_states ${where.clause}`, where.key)).first()!);
    },
    async listReadStates(conversationId) {
      return (await cql.all("SELECT * FROM read_states WHERE conversation_id = ?", [conversationId])).map(toReadState);
    },

    ...createScyllaUnreadStore(cql, bucketSize),
    ...createScyllaBotStore(cql),
    ...createScyllaUserSearch(cql, getUsers),
    ...createScyllaDeviceStore(cql),
    ...createScyllaUploadStore(cql),
    ...createScyllaMessageSearch(cql, new MessageRows(cql, bucketSize)),
    ...createScyllaPushStore(cql),
    ...createScyllaPresenceStore(cql),
    async setPasswordHash(user, passwordHash) {
      await cql.batch([
        { query: "UPDATE users SET password_hash = ? WHERE id = ?", params: [passwordHash, user.id] },
        { query: "UPDATE users_by_username SET password_hash = ? WHERE username = ?", params: [passwordHash, user.username] },
      ]);
    },

    async close() {
      backlog.close();
      await leases.release().catch(onError); // others may take the slots at once rather than after the lease
      if (!options.route) await route.close();
      await cql.close();
    },
  };
}

/** The writes that add or remove a membership, in both of its tables. */
function membershipStatements() {
  return {
    put: (m: MemberRecord): Statement[] => [
      { query: "INSERT INTO members_by_conversation (conversation_id, user_id, role, joined_at) VALUES (?, ?, ?, ?)",
        params: [m.conversationId, m.userId, m.role, m.joinedAt] },
      { query: "INSERT INTO conversations_by_user (user_id, conversation_id, role, joined_at) VALUES (?, ?, ?, ?)",
        params: [m.userId, m.conversationId, m.role, m.joinedAt] },
    ],
    delete: (conversationId: string, userId: string): Statement[] => [
      { query: "DELETE FROM members_by_conversation WHERE conversation_id = ? AND user_id = ?", params: [conversationId, userId] },
      { query: "DELETE FROM conversations_by_user WHERE user_id = ? AND conversation_id = ?", params: [userId, conversationId] },
    ],
  };
}

function insertConversation(cql: Cql, c: ConversationRecord): Promise<types.ResultSet> {
  return cql.execute("INSERT INTO conversations (id, kind, name, created_at) VALUES (?, ?, ?, ?)", [c.id, c.kind, c.name, c.createdAt]);
}

async function getConversation(cql: Cql, log: MessageLog, id: string): Promise<ConversationRecord | undefined> {
  const row = (await cql.execute("SELECT * FROM conversations WHERE id = ?", [id])).first();
  if (!row) return undefined;
  return {
    id, kind: row.get("kind"), name: row.get("name"), createdAt: row.get("created_at"),
    lastSeq: await log.head(id, Number(row.get("last_seq_hint") ?? 0)),
  };
}

/**
 * Raises a member's marks (see read_states in schema.ts). Resolves where the marks row is (a WHERE
 * clause and its values), or undefined for a non-member, who has no marks.
 */
async function raiseMarks(cql: Cql, s: ReadStateRecord): Promise<{ clause: string; key: unknown[] } | undefined> {
  const joinedAt = await membershipOf(cql, s.conversationId, s.userId);
  if (!joinedAt) return undefined;
  const key = [s.conversationId, s.userId, joinedAt] as const;
  await cql.partitionBatch(markStatements(key, s.deliveredSeq, s.readSeq));
  return { clause: marksRow, key: [...key] };
}

async function inBatches(cql: Cql, statements: readonly Statement[]): Promise<void> {
  for (let i = 0; i < statements.length; i += maxBatch) await cql.batch(statements.slice(i, i + maxBatch));
}

function groupBy<T>(items: readonly T[], key: (t: T) => string, value: (t: T) => string): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const item of items) {
    const list = groups.get(key(item));
    if (list) list.push(value(item));
    else groups.set(key(item), [value(item)]);
  }
  return groups;
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const toUser = (r: types.Row): UserRecord => ({
  id: r.get("id"), username: r.get("username"), displayName: r.get("display_name"),
  passwordHash: r.get("password_hash"), createdAt: r.get("created_at"),
});
const toMember = (r: types.Row): MemberRecord => ({
  conversationId: r.get("conversation_id"), userId: r.get("user_id"), role: r.get("role"), joinedAt: r.get("joined_at"),
});
const toReadState = (r: types.Row): ReadStateRecord => ({
  conversationId: r.get("conversation_id"), userId: r.get("user_id"),
  deliveredSeq: Number(r.get("delivered_seq") ?? 0), readSeq: Number(r.get("read_seq") ?? 0),
});
