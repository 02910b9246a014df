import type { DatabaseSync } from "node:sqlite";
import { type AppliedMigration, type Migration, type MigrationReport, pendingMigrations, versionAfter } from "../migrations.ts";
import { indexExistingMessages } from "./message-search.ts";

/**
 * A migration of the embedded store: SQL, or for work SQL cannot do (tokenizing existing messages)
 * a function of the connection, run in one transaction with its record.
 */
export type SqliteMigration = Migration<string | ((db: DatabaseSync) => void)>;

/**
 * Version 1: the schema as the releases before versioned migrations created it, statement for
 * statement (`IF NOT EXISTS` throughout), so that a data dir from such a release is recognised:
 * applying it there changes nothing and records version 1.
 *
 * Tables are named `<key>_<value>`-style after what they map, like the Scylla schema beside it, so
 * that the two read alike. Times are Unix milliseconds.
 */
const initialSchema = `
CREATE TABLE IF NOT EXISTS users (
  id TEXT PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS devices (
  device_id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  device_name TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS devices_by_user ON devices (user_id, created_at);

CREATE TABLE IF NOT EXISTS conversations (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_seq INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS direct_by_pair (
  pair_key TEXT PRIMARY KEY,
  conversation_id TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS members (
  conversation_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  role TEXT NOT NULL,
  joined_at INTEGER NOT NULL,
  PRIMARY KEY (conversation_id, user_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS members_by_user ON members (user_id);

CREATE TABLE IF NOT EXISTS messages (
  conversation_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  sender_id TEXT NOT NULL,
  client_message_id TEXT NOT NULL,
  text TEXT NOT NULL,
  sent_at INTEGER NOT NULL,
  PRIMARY KEY (conversation_id, seq)
) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS messages_by_client_id ON messages (conversation_id, sender_id, client_message_id);

CREATE TABLE IF NOT EXISTS read_states (
  conversation_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  delivered_seq INTEGER NOT NULL,
  read_seq INTEGER NOT NULL,
  PRIMARY KEY (conversation_id, user_id)
) WITHOUT ROWID;
`;

/**
 * Every migration of the embedded store, oldest first. Add a new one at the end (docs/operations.md,
 * "Adding a migration"); never edit one that has shipped.
 */
export const sqliteMigrations: readonly SqliteMigration[] = [
  { version: 1, name: "initial_schema", up: initialSchema },
  // Bot accounts (BotService): which users are bots and whose; what each bot token may do
  // (conversation_ids is a JSON array, empty for every conversation of the bot).
  { version: 2, name: "add_bots", up: `
CREATE TABLE IF NOT EXISTS bots (
  bot_id TEXT PRIMARY KEY,
  owner_id TEXT NOT NULL,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS bots_by_owner ON bots (owner_id, created_at);
CREATE TABLE IF NOT EXISTS token_scopes (
  device_id TEXT PRIMARY KEY,
  conversation_ids TEXT NOT NULL,
  can_write INTEGER NOT NULL
) WITHOUT ROWID;
` },
  // Token lifetime: when each device last made a call (Unix ms; devices from before count from this
  // migration), indexed for the cleanup of devices idle past the expiry.
  { version: 3, name: "add_device_last_use", up: `
ALTER TABLE devices ADD COLUMN last_used_at INTEGER;
UPDATE devices SET last_used_at = CAST(strftime('%s', 'now') AS INTEGER) * 1000 WHERE last_used_at IS NULL;
CREATE INDEX IF NOT EXISTS devices_by_last_use ON devices (last_used_at);
` },
  // Rich messages: the encoded content (NULL for a plain text, whose content is its text, and for
  // older rows), the parent of a reply, edit and delete times, the newest update entry that changed
  // the row; and the reactions, a row per user and emoji with the seq of the entry that added it.
  { version: 4, name: "add_rich_messages", up: `
ALTER TABLE messages ADD COLUMN content BLOB;
ALTER TABLE messages ADD COLUMN reply_to_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN edited_at INTEGER;
ALTER TABLE messages ADD COLUMN deleted_at INTEGER;
ALTER TABLE messages ADD COLUMN last_update_seq INTEGER NOT NULL DEFAULT 0;
CREATE TABLE IF NOT EXISTS reactions_by_message (
  conversation_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  emoji TEXT NOT NULL,
  user_id TEXT NOT NULL,
  reacted_seq INTEGER NOT NULL,
  PRIMARY KEY (conversation_id, seq, emoji, user_id)
) WITHOUT ROWID;
` },
  // Unread and mention counts (UnreadStore): each message's running count of countable messages
  // (not system events or update entries) and the newest countable seq up to it, null on older rows
  // (all countable: read as the seq itself); the conversation's current ones; and the mentions by
  // member ("*" for "@all"), read from a member's read mark on.
  { version: 5, name: "add_unread_counts", up: `
ALTER TABLE messages ADD COLUMN counted INTEGER;
ALTER TABLE messages ADD COLUMN last_counted_seq INTEGER;
ALTER TABLE conversations ADD COLUMN counted INTEGER NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN last_counted_seq INTEGER NOT NULL DEFAULT 0;
UPDATE conversations SET counted = last_seq, last_counted_seq = last_seq;
CREATE TABLE IF NOT EXISTS mentions_by_member (
  conversation_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  sender_id TEXT NOT NULL,
  PRIMARY KEY (conversation_id, user_id, seq)
) WITHOUT ROWID;
` },
  // File uploads (FileService, upload-tables.ts): progress, the finished file, and the message it was
  // sent in (conversation_id … NULL until claimed by a send; seq once stored). Unsent ones are counted
  // per owner and expire by age, hence the partial indexes.
  { version: 6, name: "add_uploads", up: `
CREATE TABLE IF NOT EXISTS uploads (
  id TEXT PRIMARY KEY,
  owner_id TEXT NOT NULL,
  file_name TEXT NOT NULL,
  declared_type TEXT NOT NULL,
  size INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  received INTEGER NOT NULL,
  last_chunk_offset INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  content_type TEXT,
  width INTEGER,
  height INTEGER,
  thumbnail INTEGER,
  completed_at INTEGER,
  conversation_id TEXT,
  sender_id TEXT,
  client_message_id TEXT,
  seq INTEGER
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS uploads_pending_by_owner ON uploads (owner_id) WHERE conversation_id IS NULL;
CREATE INDEX IF NOT EXISTS uploads_unsent_by_age ON uploads (created_at) WHERE conversation_id IS NULL;
CREATE INDEX IF NOT EXISTS uploads_by_message ON uploads (conversation_id, seq) WHERE seq IS NOT NULL;
` },
  // Message search (sqlite/message-search.ts): the FTS5 index of message words and filter terms, its doc
  // ids (sentAt * 2048 + n, newest first is rowid order) mapped to messages, and every message from
  // before it indexed (tokenized in JavaScript, hence a function: a minute or so per million messages).
  // secure-delete (with the terms kept as the table's content, which it needs): a deleted or edited
  // message's words are removed from the index pages at once (zeroed, with secure_delete).
  { version: 7, name: "add_message_search", up: (db) => {
    db.exec(`
CREATE TABLE IF NOT EXISTS message_search_docs (
  doc_id INTEGER PRIMARY KEY,
  conversation_id TEXT NOT NULL,
  seq INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS message_search_docs_by_message ON message_search_docs (conversation_id, seq);
CREATE VIRTUAL TABLE IF NOT EXISTS message_search USING fts5(terms, detail=none, tokenize='ascii', prefix='2 3');
INSERT INTO message_search (message_search, rank) VALUES ('secure-delete', 1);
`);
    indexExistingMessages(db);
  } },
  // Push notifications (push-tables.ts): each device's endpoint (a token belongs to one device), each
  // user's settings, each member's mute (until NULL: until undone); and the embedded push queue
  // (engines/push-queue/sqlite): a job per user and conversation until taken (attempts = 0).
  { version: 8, name: "add_push", up: `
CREATE TABLE IF NOT EXISTS push_endpoints (
  user_id TEXT NOT NULL,
  device_id TEXT NOT NULL,
  provider TEXT NOT NULL,
  token TEXT NOT NULL,
  p256dh TEXT,
  auth TEXT,
  apns_sandbox INTEGER NOT NULL DEFAULT 0,
  registered_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, device_id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS push_endpoints_by_token ON push_endpoints (provider, token);
CREATE TABLE IF NOT EXISTS push_settings (
  user_id TEXT PRIMARY KEY,
  show_previews INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS mutes_by_conversation (
  conversation_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  muted_until INTEGER,
  PRIMARY KEY (conversation_id, user_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS push_jobs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id TEXT NOT NULL,
  conversation_id TEXT NOT NULL,
  sender_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  count INTEGER NOT NULL,
  mention INTEGER NOT NULL,
  text TEXT NOT NULL,
  enqueued_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  due_at INTEGER NOT NULL,
  taken_until INTEGER
);
CREATE INDEX IF NOT EXISTS push_jobs_by_due ON push_jobs (due_at);
CREATE INDEX IF NOT EXISTS push_jobs_by_user ON push_jobs (user_id, conversation_id);
` },
  // An upload is pending until bound to its message's seq, not merely claimed: a claim whose send
  // never got stored (a crash, an Unavailable never retried) must be found by the expiry too.
  { version: 9, name: "uploads_pending_until_bound", up: `
DROP INDEX IF EXISTS uploads_pending_by_owner;
DROP INDEX IF EXISTS uploads_unsent_by_age;
CREATE INDEX IF NOT EXISTS uploads_unbound_by_owner ON uploads (owner_id) WHERE seq IS NULL;
CREATE INDEX IF NOT EXISTS uploads_unbound_by_age ON uploads (created_at) WHERE seq IS NULL;
` },
  // Presence kept across restarts (presence-tables.ts): a user's status while not the default
  // (availability NULL then) and their last-seen time, both in ms.
  { version: 10, name: "add_user_presence", up: `
CREATE TABLE IF NOT EXISTS user_presence (
  user_id TEXT PRIMARY KEY,
  availability TEXT,
  status_text TEXT,
  text_expires_at INTEGER,
  hidden_last_seen INTEGER,
  last_seen INTEGER
) WITHOUT ROWID;
` },
  // Fewer pages per append (message-search.ts): an edit or delete finds its search doc among the doc
  // ids of its message's millisecond, so the index of docs by message goes (a sixth of an append's pages).
  { version: 11, name: "drop_search_docs_by_message", up: `
DROP INDEX IF EXISTS message_search_docs_by_message;
` },
];

/**
 * Brings the database up to the newest migration: each pending one runs in its own `BEGIN
 * IMMEDIATE` transaction together with its `schema_migrations` row, so a crash leaves it either
 * applied and recorded or neither, and a second process opening the file waits instead of racing.
 */
export function migrateSqlite(db: DatabaseSync, migrations: readonly SqliteMigration[] = sqliteMigrations): MigrationReport {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  const recorded = () => db.prepare("SELECT version, name FROM schema_migrations ORDER BY version").all() as unknown as AppliedMigration[];
  const applied: AppliedMigration[] = [];
  for (;;) {
    // Re-read under the write lock: another process may have applied it meanwhile.
    db.exec("BEGIN IMMEDIATE");
    try {
      const { pending, unknown } = pendingMigrations(migrations, recorded());
      const next = pending[0];
      if (!next) {
        db.exec("COMMIT");
        const all = recorded();
        return { applied, version: versionAfter(all, []), unknown };
      }
      if (typeof next.up === "string") db.exec(next.up);
      else next.up(db);
      db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)").run(next.version, next.name, Date.now());
      db.exec("COMMIT");
      applied.push({ version: next.version, name: next.name });
    } catch (err) {
      if (db.isTransaction) db.exec("ROLLBACK");
      throw err;
    }
  }
}
