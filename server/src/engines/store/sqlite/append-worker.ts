import { DatabaseSync } from "node:sqlite";
import { parentPort, workerData } from "node:worker_threads";
import type { NewMessage } from "../interface.ts";
import { appendBatch, configureConnection, prepareAll, prepareTransactionControl } from "./statements.ts";

/**
 * The append thread of the embedded store: its own connection to the file, committing the batches
 * the main thread sends. The fsync of each commit blocks this thread only.
 */
const db = new DatabaseSync((workerData as { path: string }).path);
configureConnection(db);
const q = prepareAll(db);
const tx = prepareTransactionControl(db);

parentPort!.on("message", ({ id, batch }: { id: number; batch: NewMessage[] }) => {
  try {
    const results = appendBatch(q, tx, batch).map((r) => (r instanceof Error ? { error: r.message } : { ok: r }));
    parentPort!.postMessage({ id, results });
  } catch (err) {
    parentPort!.postMessage({ id, failed: err instanceof Error ? err.message : String(err) });
  }
});
