import type { Cql } from "./cql.ts";

/**
 * The cluster store's tables, one per way the data is read: no secondary index, no materialized
 * view, no storage-attached index, nothing ScyllaDB lacks. A fact read two ways is written twice,
 * in a logged batch. Tables are named `<what>_by_<key>` after the read they serve.
 *
 * Every statement is idempotent (`IF NOT EXISTS`), so {@link migrate} runs on every start.
 */
const tables = [
  // Accounts by id; and by username, where `IF NOT EXISTS` makes the name unique cluster-wide.
  `CREATE TABLE IF NOT EXISTS users (
    id text PRIMARY KEY, username text, display_name text, password_hash text, created_at timestamp)`,
  `CREATE TABLE IF NOT EXISTS users_by_username (
    username text PRIMARY KEY, id text, display_name text, password_hash text, created_at timestamp)`,

  // Devices by token hash (every authenticated call) and by user (device list, revocation).
  `CREATE TABLE IF NOT EXISTS devices_by_token (
    token_hash text PRIMARY KEY, user_id text, device_id text, device_name text, created_at timestamp)`,
  `CREATE TABLE IF NOT EXISTS devices_by_user (
    user_id text, device_id text, device_name text, token_hash text, created_at timestamp,
    PRIMARY KEY (user_id, device_id))`,

  // last_seq_hint: some seq known to exist, at most one bucket behind the head (see message-log.ts).
  `CREATE TABLE IF NOT EXISTS conversations (
    id text PRIMARY KEY, kind text, name text, created_at timestamp, last_seq_hint bigint)`,
  // "user:user" (sorted) to the one direct conversation of that pair, claimed with IF NOT EXISTS.
  `CREATE TABLE IF NOT EXISTS direct_by_pair (pair_key text PRIMARY KEY, conversation_id text)`,

  // Membership, read both ways.
  `CREATE TABLE IF NOT EXISTS members_by_conversation (
    conversation_id text, user_id text, role text, joined_at timestamp,
    PRIMARY KEY (conversation_id, user_id))`,
  `CREATE TABLE IF NOT EXISTS conversations_by_user (
    user_id text, conversation_id text, role text, joined_at timestamp,
    PRIMARY KEY (user_id, conversation_id))`,

  // The Discord layout: a partition per conversation and bucket of seqs (bounded in size), newest
  // first, so "the latest N" is one partition read. Rows are written with plain writes by the one
  // node holding the conversation's slot lease, with timestamps ordered by lease epoch (message-log.ts);
  // keyspaces from before the leases hold rows written with IF NOT EXISTS, which stay as they are.
  `CREATE TABLE IF NOT EXISTS messages (
    conversation_id text, bucket bigint, seq bigint,
    sender_id text, client_message_id text, text text, sent_at timestamp,
    PRIMARY KEY ((conversation_id, bucket), seq)) WITH CLUSTERING ORDER BY (seq DESC)`,
  // Idempotency of sends before the sequencer leases (no longer written: the owner dedupes in memory
  // and from the newest messages); kept so that existing keyspaces keep their schema.
  `CREATE TABLE IF NOT EXISTS seq_by_client_message_id (
    conversation_id text, sender_id text, client_message_id text, seq bigint,
    PRIMARY KEY ((conversation_id, sender_id, client_message_id)))`,

  // Delivered and read marks of a member. Each mark is written with its own value as the write
  // timestamp, so that the highest write wins whatever order writes arrive in: marks only grow,
  // without a read or a lightweight transaction. joined_at keys the membership: after a member
  // leaves (their row deleted) and rejoins, the new membership's marks start over in a new row.
  `CREATE TABLE IF NOT EXISTS read_states (
    conversation_id text, user_id text, joined_at timestamp, delivered_seq bigint, read_seq bigint,
    PRIMARY KEY (conversation_id, user_id, joined_at))`,

  // Who sequences each slot of conversations (owner-router.ts), until when, under which fencing
  // epoch. Written only with lightweight transactions (sequencer-leases.ts).
  `CREATE TABLE IF NOT EXISTS sequencer_leases (slot int PRIMARY KEY, owner text, epoch bigint, expires_at timestamp)`,

  // Bots by id (is this user a bot, whose) and by owner (a person's bots); what each bot token may do.
  `CREATE TABLE IF NOT EXISTS bots (bot_id text PRIMARY KEY, owner_id text, created_at timestamp)`,
  `CREATE TABLE IF NOT EXISTS bots_by_owner (
    owner_id text, created_at timestamp, bot_id text, PRIMARY KEY (owner_id, created_at, bot_id))`,
  `CREATE TABLE IF NOT EXISTS token_scopes (device_id text PRIMARY KEY, conversation_ids list<text>, can_write boolean)`,

  // Settings fixed at creation, such as the bucket size, that existing data depends on.
  `CREATE TABLE IF NOT EXISTS schema_settings (name text PRIMARY KEY, value text)`,
];

/** How the keyspace replicates: `SimpleStrategy` for one data center, `NetworkTopologyStrategy` for more. */
export type Replication =
  | { strategy: "SimpleStrategy"; replicationFactor: number }
  | { strategy: "NetworkTopologyStrategy"; dataCenters: Record<string, number> };

/**
 * Reads a replication setting: "3" is SimpleStrategy with 3 replicas (the default, "1", suits a
 * development node), "dc1:3,dc2:3" is NetworkTopologyStrategy with 3 replicas in each data center.
 */
export function parseReplication(value: string): Replication {
  const count = (text: string | undefined): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1 || n > 20) throw new Error(`replication "${value}": "${text}" is not a replica count`);
    return n;
  };
  if (/^\d+$/.test(value.trim())) return { strategy: "SimpleStrategy", replicationFactor: count(value.trim()) };
  const dataCenters: Record<string, number> = {};
  for (const entry of value.split(",")) {
    const [dc, n, extra] = entry.trim().split(/[:=]/);
    if (!dc || !/^[A-Za-z0-9_.-]+$/.test(dc) || extra !== undefined) {
      throw new Error(`replication "${value}" must be a replica count ("3") or "dc:count,..." ("dc1:3,dc2:3")`);
    }
    dataCenters[dc] = count(n);
  }
  return { strategy: "NetworkTopologyStrategy", dataCenters };
}

/** Options of {@link migrate}. */
export interface MigrateOptions {
  keyspace: string;
  replication: Replication;
  /** Seqs per message partition; fixed for the life of the keyspace. */
  bucketSize: number;
}

/**
 * Creates the keyspace and tables that are missing, and checks that the bucket size matches the one
 * the data was written with (changing it would make stored messages unreachable).
 *
 * Run it once before starting several nodes at the same time on an empty cluster (`node
 * server/src/migrate.ts`): Cassandra before 5.1 may mis-handle two nodes creating one table at once.
 * Once the tables exist, every statement here is a no-op.
 */
export async function migrate(cql: Cql, options: MigrateOptions): Promise<void> {
  const { keyspace } = options;
  if (!/^[a-z][a-z0-9_]{0,47}$/.test(keyspace)) throw new Error(`"${keyspace}" is not a valid keyspace name`);
  // Schema statements run once: not prepared.
  const ddl = (statement: string) => cql.client.execute(statement, [], { prepare: false });
  await ddl(`CREATE KEYSPACE IF NOT EXISTS ${keyspace} WITH replication = ${replicationMap(options.replication)}`);
  for (const table of tables) await ddl(table.replace("CREATE TABLE IF NOT EXISTS ", `CREATE TABLE IF NOT EXISTS ${keyspace}.`));
  const setting = await cql.cas(`INSERT INTO ${keyspace}.schema_settings (name, value) VALUES ('bucket_size', ?) IF NOT EXISTS`,
    [String(options.bucketSize)]);
  const stored = setting.current?.get("value") as string | undefined;
  if (stored !== undefined && stored !== String(options.bucketSize)) {
    throw new Error(`keyspace ${keyspace} stores messages in buckets of ${stored} seqs, not ${options.bucketSize}`);
  }
}

function replicationMap(r: Replication): string {
  if (r.strategy === "SimpleStrategy") return `{'class': 'SimpleStrategy', 'replication_factor': ${r.replicationFactor}}`;
  const dcs = Object.entries(r.dataCenters).map(([dc, n]) => `'${dc}': ${n}`).join(", ");
  return `{'class': 'NetworkTopologyStrategy', ${dcs}}`;
}
