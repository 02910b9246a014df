import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from "node:fs";
import { dirname } from "node:path";

/** A file or folder whose mode was tightened, for the startup log. */
export interface TightenedMode {
  path: string;
  /** Permission bits before, e.g. 0o755. */
  from: number;
  to: number;
}

/** The data dir: its owner only (it holds every message). */
const dirMode = 0o700;
/** The database and its WAL and shared-memory files: readable and writable by their owner only. */
const fileMode = 0o600;

/**
 * Makes the database's folder 0700 and the database file, its `-wal` and its `-shm` 0600 before
 * SQLite opens them, creating the folder and an empty database file when missing: SQLite creates
 * the `-wal` and `-shm` files with the mode of the database file, so a file born 0600 keeps every
 * later one 0600 whatever the umask. An existing data dir from a release that left them readable
 * by other local users is tightened; what changed is returned so that the node can log it.
 */
export function secureDatabaseFiles(databasePath: string): TightenedMode[] {
  const dir = dirname(databasePath);
  mkdirSync(dir, { recursive: true, mode: dirMode });
  const tightened: TightenedMode[] = [];
  tighten(dir, dirMode, tightened);
  // "a" creates the file (0600, before the umask, which only removes bits) without truncating an existing one.
  if (!existsSync(databasePath)) closeSync(openSync(databasePath, "a", fileMode));
  for (const path of [databasePath, `${databasePath}-wal`, `${databasePath}-shm`]) {
    if (existsSync(path)) tighten(path, fileMode, tightened);
  }
  return tightened;
}

/** Removes every permission bit `path` has beyond `mode` (never adds one). */
function tighten(path: string, mode: number, tightened: TightenedMode[]): void {
  const from = statSync(path).mode & 0o777;
  if ((from & ~mode) === 0) return;
  const to = from & mode;
  chmodSync(path, to);
  tightened.push({ path, from, to });
}
