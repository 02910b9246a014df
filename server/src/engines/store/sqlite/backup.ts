import { chmodSync, closeSync, copyFileSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, statSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import { basename, dirname, join } from "node:path";

/** What a backup file holds, as read back from it after it was written (or before it is restored). */
export interface BackupSummary {
  /** The file described. */
  file: string;
  bytes: number;
  /** The highest migration recorded in it (what a restoring release must know at least). */
  schemaVersion: number;
  users: number;
  conversations: number;
  messages: number;
}

/** What {@link restoreSqlite} did. */
export interface RestoreSummary extends BackupSummary {
  /** Where the store that was in place before went (kept, never deleted), or undefined if there was none. */
  previous: string | undefined;
}

/** Modes of what a backup or restore creates: its owner's only, as the data dir (file-modes.ts). */
const privateDir = 0o700;
const privateFile = 0o600;

/** A backup or restore refused, with a message an operator can act on (the command prints it and exits 1). */
export class BackupError extends Error {
  override name = "BackupError";
}

/**
 * Writes a consistent copy of the store at `source` to `target`, while a node may be serving from it.
 *
 * How: from a second connection (this process, not the node), `VACUUM INTO` a temporary file beside
 * `target`, then fsync and rename it. `VACUUM INTO` reads inside one read transaction, so the copy is
 * the database exactly as of one commit: every message ACKed before the backup started is in it (a
 * send is ACKed only after its commit returned, `synchronous=FULL`), and a conversation's seqs are
 * contiguous in it, since each append commits its message and the conversation's last seq together.
 * In WAL mode a reader never blocks the node's writer nor waits for it, so sends go on meanwhile.
 *
 * Why not SQLite's online backup API (`node:sqlite`'s `backup()`): it copies pages in steps and
 * restarts from scratch whenever another connection writes in between, so under steady load it may
 * never finish; in one step it holds the same read transaction as `VACUUM INTO`, which in addition
 * writes a compact file with no WAL beside it. Why not through the running node: nothing to add to
 * its API or to secure, and the command works the same whether a node runs or not. It must run on the
 * node's machine (or in its pod): WAL's shared-memory index does not work across network filesystems.
 */
export function backupSqlite(source: string, target: string): BackupSummary {
  if (!existsSync(source)) throw new BackupError(`no store at ${source}: check --data-dir (CHAT_DATA_DIR)`);
  if (existsSync(target)) throw new BackupError(`${target} exists: a backup never overwrites a file, pick a new name`);
  mkdirSync(dirname(target), { recursive: true, mode: privateDir });
  const partial = join(dirname(target), `.${basename(target)}.partial-${process.pid}`);
  rmSync(partial, { force: true });
  // Born owner-only, like the store (file-modes.ts): it holds every message. VACUUM INTO fills an empty file.
  closeSync(openSync(partial, "wx", privateFile));
  try {
    const db = new DatabaseSync(source);
    try {
      // The node's writer holds the write lock only briefly; a reader in WAL mode needs none, but
      // opening may wait for a checkpoint or recovery to finish.
      db.exec("PRAGMA busy_timeout = 10000");
      db.prepare("VACUUM INTO ?").run(partial);
    } finally {
      db.close();
    }
    const summary = describeBackup(partial);
    syncFile(partial);
    renameSync(partial, target);
    syncFile(dirname(target));
    return { ...summary, file: target };
  } catch (err) {
    rmSync(partial, { force: true });
    throw err;
  }
}

/**
 * Puts the backup `file` in place as the store at `target` (the data dir's `chat.sqlite`). Refuses
 * while any process has the current store open (a running node): replacing the file under a node
 * would have it go on writing to the old one, and its acknowledged messages would vanish from the
 * restored store. The store that was there is kept beside it as `chat.sqlite.before-restore-<time>`.
 *
 * The check takes SQLite's exclusive lock on the current store: a node holds its store open (and a
 * shared lock on it) for as long as it runs, so the lock is refused while one does, idle or not. The
 * lock is held until the files are swapped; a node started in the instants after that opens the
 * restored file.
 */
export function restoreSqlite(file: string, target: string): RestoreSummary {
  if (!existsSync(file)) throw new BackupError(`no backup at ${file}`);
  const summary = describeBackup(file);
  mkdirSync(dirname(target), { recursive: true, mode: privateDir });
  const incoming = join(dirname(target), `.${basename(target)}.restoring-${process.pid}`);
  const previous = existsSync(target) ? `${target}.before-restore-${new Date().toISOString().replace(/[:.]/g, "-")}` : undefined;
  const current = previous ? lockExclusively(target) : undefined;
  try {
    copyFileSync(file, incoming);
    chmodSync(incoming, privateFile);
    syncFile(incoming);
    if (previous) renameSync(target, previous);
    renameSync(incoming, target);
    syncFile(dirname(target));
  } catch (err) {
    rmSync(incoming, { force: true });
    throw err;
  } finally {
    current?.close();
  }
  return { ...summary, file: target, previous };
}

/**
 * Opens `path` and takes its exclusive lock, or throws when another process has it open. Then folds
 * its WAL into the file and leaves WAL mode, so that the store is one self-contained file that can
 * be moved aside whole (no `-wal` with committed data left behind).
 */
function lockExclusively(path: string): DatabaseSync {
  const db = new DatabaseSync(path);
  try {
    db.exec("PRAGMA busy_timeout = 0; PRAGMA locking_mode = EXCLUSIVE");
    db.exec("BEGIN EXCLUSIVE; COMMIT"); // in EXCLUSIVE locking mode the lock outlives the transaction
    db.exec("PRAGMA journal_mode = DELETE");
    return db;
  } catch (err) {
    db.close();
    if (err instanceof Error && /locked|busy/i.test(err.message)) {
      throw new BackupError(`${path} is open in another process (a running server?): stop the server on this data dir before restoring`);
    }
    throw err;
  }
}

/** Checks that `file` is an intact chat store and says what is in it; throws a BackupError if not. */
export function describeBackup(file: string): BackupSummary {
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(file, { readOnly: true });
  } catch (err) {
    throw new BackupError(`${file} cannot be opened as SQLite: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    const scalar = (sql: string) => Object.values(db.prepare(sql).get() ?? {})[0];
    let check: unknown;
    try {
      check = scalar("PRAGMA quick_check");
    } catch (err) {
      throw new BackupError(`${file} is not an intact SQLite database: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (check !== "ok") throw new BackupError(`${file} is damaged: quick_check says ${String(check)}`);
    if (!scalar("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'")) {
      throw new BackupError(`${file} is not a chat store (it has no schema_migrations table)`);
    }
    const count = (table: string) => Number(scalar(`SELECT count(*) FROM ${table}`));
    return {
      file, bytes: statSync(file).size,
      schemaVersion: Number(scalar("SELECT coalesce(max(version), 0) FROM schema_migrations")),
      users: count("users"), conversations: count("conversations"), messages: count("messages"),
    };
  } finally {
    db.close();
  }
}

/** fsync of a file or a directory (a rename is durable once its directory is synced). */
function syncFile(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
