import { join } from "node:path";
import { loadConfig } from "./config.ts";
import { BackupError, type BackupSummary, backupSqlite, restoreSqlite } from "./engines/store/sqlite/backup.ts";

/** The subcommands of `chat-server` beside serving. */
const commands = ["backup", "restore"] as const;

/** Whether `chat-server <word>` names a backup subcommand rather than a flag of the server. */
export function isBackupCommand(word: string | undefined): word is (typeof commands)[number] {
  return (commands as readonly string[]).includes(word ?? "");
}

const usage = `usage: chat-server backup <file> [--data-dir DIR]    consistent copy of the embedded store, while the server runs
       chat-server restore <file> [--data-dir DIR]   put a backup in place (the server on DIR must be stopped)
(other flags and CHAT_* variables as for the server; see docs/operations.md#backups)`;

/**
 * Runs `chat-server backup <file>` or `chat-server restore <file>` on the embedded store of the data
 * dir (same flags and `CHAT_*` variables as the server) and returns the exit code: 0 done, 1 refused
 * or failed (the reason printed), 2 misused. A cluster's store is backed up with ScyllaDB's tools.
 */
export function runBackupCommand(argv: string[], print: (line: string) => void = console.error): number {
  const [command, file, ...rest] = argv;
  if (!isBackupCommand(command) || !file || file.startsWith("-")) {
    print(usage);
    return 2;
  }
  let dataDir: string;
  try {
    const config = loadConfig(rest);
    if (config.scyllaContactPoints.length > 0) {
      print(`chat-server ${command} works on the embedded store; a ScyllaDB keyspace is backed up with nodetool snapshot (docs/operations.md#backups)`);
      return 2;
    }
    dataDir = config.dataDir;
  } catch (err) {
    print(`${err instanceof Error ? err.message : String(err)}\n${usage}`);
    return 2;
  }
  const store = join(dataDir, "chat.sqlite");
  try {
    if (command === "backup") {
      print(`backed up ${store} to ${describe(backupSqlite(store, file))}`);
    } else {
      const done = restoreSqlite(file, store);
      print(`restored ${file} to ${describe(done)}`);
      if (done.previous) print(`the store that was there is kept as ${done.previous} (delete it once the restore is checked)`);
    }
    return 0;
  } catch (err) {
    if (!(err instanceof BackupError)) throw err; // unexpected: let the stack trace reach the operator
    print(`${command} refused: ${err.message}`);
    return 1;
  }
}

function describe(s: BackupSummary): string {
  return `${s.file}: ${s.bytes} bytes, schema version ${s.schemaVersion}, ${s.users} users, ${s.conversations} conversations, ${s.messages} messages`;
}
