import { DatabaseSync } from "node:sqlite";
import { parentPort, receiveMessageOnPort, workerData } from "node:worker_threads";
import { configureConnection, prepareAll, prepareTransactionControl } from "./statements.ts";
import { commitWrites, erasesBodies, type Write } from "./writes.ts";

/** A batch of writes as the main thread sends it (write-thread-client.ts). */
type Request = { id: number; batch: Write[] };

/**
 * The writer thread of the embedded store: its own connection to the file, committing every batch
 * of writes the main thread sends (messages, receipts, members, accounts). The fsync of each commit
 * blocks this thread only.
 *
 * The main thread sends a batch per event-loop turn without waiting for answers; whatever queued
 * while this thread was committing goes into its next transaction (one fsync for all of it), and
 * each batch is answered on its own, in order.
 */
const db = new DatabaseSync((workerData as { path: string }).path);
configureConnection(db);
const q = prepareAll(db);
const tx = prepareTransactionControl(db);
const port = parentPort!;

port.on("message", (first: Request) => {
  const requests = [first];
  for (let next = receiveMessageOnPort(port); next; next = receiveMessageOnPort(port)) requests.push(next.message as Request);
  const writes = requests.length === 1 ? first.batch : requests.flatMap((r) => r.batch);
  try {
    const results = commitWrites(q, tx, writes).map((r) => (r instanceof Error ? { error: r.message } : { ok: r }));
    let at = 0;
    for (const { id, batch } of requests) {
      port.postMessage({ id, results: results.slice(at, at + batch.length) });
      at += batch.length;
    }
    // A deleted message's text is zeroed in the database pages, but earlier WAL frames still hold the
    // pages as they were: copying them back and truncating the WAL leaves no copy of the body. Rare
    // (deletes only) and after the answer; a checkpoint kept from finishing by a reader is retried
    // by SQLite's own automatic checkpoints, and the frames are overwritten as the WAL wraps.
    if (erasesBodies(writes)) checkpoint();
  } catch (err) {
    for (const { id } of requests) port.postMessage({ id, failed: err instanceof Error ? err.message : String(err) });
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
