import type { Migration } from "../migrations.ts";
import type { Cql } from "./cql.ts";
import { indexExistingMessages } from "./message-search-index.ts";
import { indexExistingUsers } from "./user-search.ts";

/**
 * A migration of the cluster store: CQL statements run in order on a connection bound to the
 * keyspace (so table names are unqualified). CQL schema changes are not transactional: a node that
 * dies midway re-runs the whole migration, so every statement must be idempotent (`IF NOT EXISTS`;
 * an `ALTER TABLE … ADD` of a column that exists already counts as done, see schema.ts, since
 * ScyllaDB has no `ADD IF NOT EXISTS`).
 */
export type CqlMigration = Migration<readonly CqlMigrationStep[]>;

/** A CQL schema statement, or a data step (a backfill) that must be idempotent as well. */
export type CqlMigrationStep = string | ((cql: Cql) => Promise<void>);

/**
 * The cluster store's tables, one per way the data is read: no secondary index, no materialized
 * view, no storage-attached index, nothing ScyllaDB lacks. A fact read two ways is written twice,
 * in a logged batch. Tables are named `<what>_by_<key>` after the read they serve.
 *
 * Version 1: the tables exactly as the releases before versioned migrations created them (every
 * statement `IF NOT EXISTS`), so that a keyspace from such a release is recognised: applying it
 * there changes nothing and records version 1.
 */
const initialTables = [
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

  // Settings fixed at creation, such as the bucket size, that existing data depends on.
  `CREATE TABLE IF NOT EXISTS schema_settings (name text PRIMARY KEY, value text)`,
];

/**
 * Every migration of the cluster store, oldest first. Add a new one at the end (docs/operations.md,
 * "Adding a migration"); never edit one that has shipped.
 */
export const cqlMigrations: readonly CqlMigration[] = [
  { version: 1, name: "initial_schema", up: initialTables },
  { version: 2, name: "add_sequencer_leases", up: [
    // Who sequences each slot of conversations (owner-router.ts), until when, under which fencing
    // epoch. Written only with lightweight transactions (sequencer-leases.ts).
    "CREATE TABLE IF NOT EXISTS sequencer_leases (slot int PRIMARY KEY, owner text, epoch bigint, expires_at timestamp)",
  ] },
  { version: 3, name: "add_bots", up: [
    // Bots by id (is this user a bot, whose) and by owner (a person's bots); what each bot token may do.
    "CREATE TABLE IF NOT EXISTS bots (bot_id text PRIMARY KEY, owner_id text, created_at timestamp)",
    "CREATE TABLE IF NOT EXISTS bots_by_owner (owner_id text, created_at timestamp, bot_id text, PRIMARY KEY (owner_id, created_at, bot_id))",
    "CREATE TABLE IF NOT EXISTS token_scopes (device_id text PRIMARY KEY, conversation_ids list<text>, can_write boolean)",
  ] },
  { version: 4, name: "add_device_last_use", up: [
    // Token lifetime: when each device last made a call, in both device tables (authentication reads
    // one, the sessions list the other). Null on older rows until their first use or cleanup pass.
    // Expired devices are found by a paged scan of devices_by_token (no secondary index: ScyllaDB).
    "ALTER TABLE devices_by_token ADD last_used_at timestamp",
    "ALTER TABLE devices_by_user ADD last_used_at timestamp",
  ] },
  { version: 5, name: "add_user_search", up: [
    // UserService.SearchUsers: a row per prefix a user is found by (user-search.ts), a partition
    // per prefix, clustered by username so that a page is one partition read from a cursor.
    `CREATE TABLE IF NOT EXISTS users_by_prefix (
      prefix text, username text, user_id text, display_name text, PRIMARY KEY (prefix, username))`,
    // Accounts created before this migration; users registered on a node of the previous release
    // during a rolling update are not indexed (re-run the step with migrate.ts after the update).
    indexExistingUsers,
  ] },
  { version: 6, name: "add_rich_messages", up: [
    // Rich messages (message-rows.ts): the encoded content (null for a plain text, whose content is
    // its text, and for older rows), the parent of a reply, edit and delete times, and the newest
    // update entry that changed the row.
    "ALTER TABLE messages ADD content blob",
    "ALTER TABLE messages ADD reply_to_seq bigint",
    "ALTER TABLE messages ADD edited_at timestamp",
    "ALTER TABLE messages ADD deleted_at timestamp",
    "ALTER TABLE messages ADD last_update_seq bigint",
    // Reactions, partitioned like the messages they belong to, so that a page's reactions are one
    // partition read: a row per user and emoji, with the seq of the entry that added it (their order).
    `CREATE TABLE IF NOT EXISTS reactions_by_message (
      conversation_id text, bucket bigint, seq bigint, emoji text, user_id text, reacted_seq bigint,
      PRIMARY KEY ((conversation_id, bucket), seq, emoji, user_id))`,
  ] },
  { version: 7, name: "add_unread_counts", up: [
    // Unread counts (UnreadStore): each message's running count of countable messages (not system
    // events or update entries) and the newest countable seq up to it; null on older rows, which
    // were all countable and read as their own seq. Written by the sequencer (message-log.ts).
    "ALTER TABLE messages ADD counted bigint",
    "ALTER TABLE messages ADD last_counted_seq bigint",
    // Mentions by member ("*" for "@all"), newest first, so that the mentions after a read mark are
    // one partition read from its start, bounded by a limit.
    `CREATE TABLE IF NOT EXISTS mentions_by_member (
      conversation_id text, user_id text, seq bigint, sender_id text,
      PRIMARY KEY ((conversation_id, user_id), seq)) WITH CLUSTERING ORDER BY (seq DESC)`,
  ] },
  { version: 8, name: "add_uploads", up: [
    // File uploads (upload-tables.ts): the upload by id (progress, the finished file, the message it
    // was claimed by and its seq); the unsent ones by owner (the per-user bound; the expiry scan);
    // the files of a message (removed with it).
    `CREATE TABLE IF NOT EXISTS uploads (
      id text PRIMARY KEY, owner_id text, file_name text, declared_type text, size bigint, sha256 text,
      received bigint, last_chunk_offset bigint, created_at timestamp,
      content_type text, width int, height int, thumbnail boolean, completed_at timestamp,
      conversation_id text, sender_id text, client_message_id text, seq bigint)`,
    "CREATE TABLE IF NOT EXISTS pending_uploads_by_owner (owner_id text, upload_id text, created_at timestamp, PRIMARY KEY (owner_id, upload_id))",
    "CREATE TABLE IF NOT EXISTS uploads_by_message (conversation_id text, seq bigint, upload_id text, PRIMARY KEY ((conversation_id, seq), upload_id))",
  ] },
  { version: 9, name: "add_message_search", up: [
    // Message search (message-search-index.ts, docs/search.md): a row per term and message in the
    // partition of the message's bucket, so that a word in a bucket is one clustering slice, a prefix
    // a range of terms; the send time orders hits without reading messages.
    `CREATE TABLE IF NOT EXISTS message_terms (
      conversation_id text, bucket bigint, term text, seq bigint, sent_at timestamp,
      PRIMARY KEY ((conversation_id, bucket), term, seq)) WITH CLUSTERING ORDER BY (term ASC, seq DESC)`,
    // Each bucket's earliest and latest send time of a searchable message (written with timestamps
    // that make the extreme win): which buckets a search reads, in which order.
    `CREATE TABLE IF NOT EXISTS message_buckets (
      conversation_id text, bucket bigint, min_sent_at timestamp, max_sent_at timestamp,
      PRIMARY KEY (conversation_id, bucket)) WITH CLUSTERING ORDER BY (bucket DESC)`,
    // Messages stored before this migration (a full scan: run migrate.ts once, see docs/operations.md).
    indexExistingMessages,
  ] },
  { version: 10, name: "add_push", up: [
    // Push notifications (push-tables.ts): each device's endpoint by user (the worker's read) and by
    // (provider, token) (a token belongs to one device); settings by user; mutes by conversation
    // (muted_until null: until undone). The cluster's push queue is in Redis, not here.
    `CREATE TABLE IF NOT EXISTS push_endpoints_by_user (
      user_id text, device_id text, provider text, push_token text, p256dh text, auth text, apns_sandbox boolean,
      registered_at timestamp, PRIMARY KEY (user_id, device_id))`,
    "CREATE TABLE IF NOT EXISTS push_endpoints_by_token (provider text, push_token text, user_id text, device_id text, PRIMARY KEY ((provider, push_token)))",
    "CREATE TABLE IF NOT EXISTS push_settings (user_id text PRIMARY KEY, show_previews boolean)",
    "CREATE TABLE IF NOT EXISTS mutes_by_conversation (conversation_id text, user_id text, muted_until timestamp, PRIMARY KEY (conversation_id, user_id))",
  ] },
  { version: 11, name: "add_search_backlog", up: [
    // Messages whose search rows a failed send may have missed (search-backlog.ts): retried by every
    // node until indexed. Rows exist only after a failure, so the retry's scan of the table is short.
    "CREATE TABLE IF NOT EXISTS search_backlog (conversation_id text, seq bigint, attempts int, PRIMARY KEY (conversation_id, seq))",
  ] },
  { version: 12, name: "add_user_presence", up: [
    // Presence kept across restarts of the session map (presence-tables.ts): a user's status while
    // not the default (availability null then) and their last-seen time.
    `CREATE TABLE IF NOT EXISTS user_presence (
      user_id text PRIMARY KEY, availability text, status_text text, text_expires_at timestamp, hidden_last_seen timestamp,
      last_seen timestamp)`,
  ] },
];
