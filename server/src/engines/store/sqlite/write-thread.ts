import { DatabaseSync } from "node:sqlite";
import { parentPort, workerData } from "node:worker_threads";
import { configureConnection, prepareAll, prepareTransactionControl } from "./statements.ts";
import { commitWrites, erasesBodies, type Write } from "./writes.ts";

/**
 * The writer thread of the embedded store: its own connection to the file, committing every batch
 * of writes the main thread sends (messages, receipts, members, accounts). The fsync of each commit
 * blocks this thread only.
 */
const db = new DatabaseSync((workerData as { path: string }).path);
configureConnection(db);
const q = prepareAll(db);
const tx = prepareTransactionControl(db);

parentPort!.on("message", ({ id, batch }: { id: number; batch: Write[] }) => {
  try {
    const results = commitWrites(q, tx, batch).map((r) => (r instanceof Error ? { error: r.message } : { ok: r }));
    parentPort!.postMessage({ id, results });
    // A deleted message's text is zeroed in the database pages, but earlier WAL frames still hold the
    // pages as they were: copying them back and truncating the WAL leaves no copy of the body. Rare
    // (deletes only) and after the answer; a checkpoint kept from finishing by a reader is retried
    // by SQLite's own automatic checkpoints, and the frames are overwritten as the WAL wraps.
    if (erasesBodies(batch)) checkpoint();
  } catch (err) {
    parentPort!.postMessage({ id, failed: err instanceof Error ? err.message : String(err) });
  }
});

/** Copies the WAL into the database and truncates it; a failure is only warned about (the next one retries). */
function checkpoint(): void {
  try {
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  } catch (err) {
    process.emitWarning(`WAL checkpoint after a delete failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}
