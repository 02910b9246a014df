import { DatabaseSync } from "node:sqlite";
import { parentPort, workerData } from "node:worker_threads";
import { configureConnection, prepareAll, prepareTransactionControl } from "./statements.ts";
import { commitWrites, type Write } from "./writes.ts";

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
  } catch (err) {
    parentPort!.postMessage({ id, failed: err instanceof Error ? err.message : String(err) });
  }
});
