import { DatabaseSync } from "node:sqlite";
import { parentPort, receiveMessageOnPort, workerData } from "node:worker_threads";
import { configureConnection, prepareAll, prepareTransactionControl } from "./statements.ts";
import { commitWrites, erasesBodies, type Write } from "./writes.ts";

/** A batch of writes as the main thread sends it (write-thread-client.ts). */
type Request = { id: number; batch: Write[] };

/** What the writer thread is started with (write-thread-client.ts). */
export interface WriteThreadData {
  path: string;
  /** The least time between the starts of two commits; a write that finds it passed commits at once. */
  commitIntervalMs: number;
}

/**
 * The writer thread of the embedded store: its own connection to the file, committing every batch
 * of writes the main thread sends (messages, receipts, members, accounts). The fsync of each commit
 * blocks this thread only.
 *
 * The main thread sends a batch per event-loop turn without waiting for answers; whatever queued
 * while this thread was committing goes into its next transaction (one fsync for all of it), and
 * the batches of a commit are answered together, in one message, in order.
 *
 * Commits may be paced (`commitIntervalMs`, off unless an operator sets it): one starts at most every
 * interval, and a write that finds the interval passed (after a quiet moment) is not held at all. A
 * commit costs about as much again as the appends in it (the WAL frames of every page it touched, the
 * search index's new segment, the fsync), and at a few thousand messages a second commits take
 * ≈ 0.5 ms and hold two or three messages each. 1.5 ms between starts cut the process's CPU per
 * message by ≈ 7 % at 2,500 msg/s, for ≈ 1.5 ms more at the median and ≈ 20 ms more at the 99th
 * percentile (docs/benchmarks.md): the same trade as PostgreSQL's commit_delay and MySQL's
 * binlog_group_commit_sync_delay, which are off by default too.
 */
const { path, commitIntervalMs } = workerData as WriteThreadData;
const db = new DatabaseSync(path);
configureConnection(db);
const q = prepareAll(db);
const tx = prepareTransactionControl(db);
const port = parentPort!;

let held: Request[] = [];
let lastCommitAt = Number.NEGATIVE_INFINITY;
let timer: NodeJS.Timeout | undefined;

port.on("message", (request: Request) => {
  held.push(request);
  if (timer) return; // a commit is already due
  const wait = lastCommitAt + commitIntervalMs - performance.now();
  if (wait <= 0) commitHeld();
  else timer = setTimeout(() => {
    timer = undefined;
    commitHeld();
  }, wait);
});

/** Commits every request held and every one waiting on the port, in one transaction. */
function commitHeld(): void {
  lastCommitAt = performance.now();
  const requests = held;
  held = [];
  for (let next = receiveMessageOnPort(port); next; next = receiveMessageOnPort(port)) requests.push(next.message as Request);
  const writes = requests.length === 1 ? requests[0]!.batch : requests.flatMap((r) => r.batch);
  try {
    const results = commitWrites(q, tx, writes).map((r) => (r instanceof Error ? { error: r.message } : { ok: r }));
    // One message for the commit's requests, not one each: a message costs both threads more than
    // the few results it carries (its own serialization, a wake-up and a 'message' event).
    let at = 0;
    const replies = requests.map(({ id, batch }) => {
      const reply = { id, results: results.slice(at, at + batch.length) };
      at += batch.length;
      return reply;
    });
    port.postMessage(replies);
    // A deleted message's text is zeroed in the database pages, but earlier WAL frames still hold the
    // pages as they were: copying them back and truncating the WAL leaves no copy of the body. Rare
    // (deletes only) and after the answer; a checkpoint kept from finishing by a reader is retried
    // by SQLite's own automatic checkpoints, and the frames are overwritten as the WAL wraps.
    if (erasesBodies(writes)) checkpoint();
  } catch (err) {
    const failed = err instanceof Error ? err.message : String(err);
    port.postMessage(requests.map(({ id }) => ({ id, failed })));
  }
}

/** Copies the WAL into the database and truncates it; a failure is only warned about (the next one retries). */
function checkpoint(): void {
  try {
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  } catch (err) {
    process.emitWarning(`WAL checkpoint after a delete failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}
