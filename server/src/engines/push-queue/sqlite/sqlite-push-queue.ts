import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { Row } from "../../store/sqlite/statements.ts";
import type { Writer } from "../../store/sqlite/writes.ts";
import { oneAtATime } from "../one-at-a-time.ts";
import type { EnqueueOutcome, PushJob, PushMessage, PushQueue, PushQueueOptions } from "../interface.ts";

/** The push_jobs statements (migration 7), prepared with the store's on every connection. */
export function preparePushJobStatements(db: DatabaseSync) {
  const p = (sql: string): StatementSync => db.prepare(sql);
  return {
    // Only a job never taken (attempts = 0) collapses; SET reads the row's old values throughout.
    collapseJob: p(`UPDATE push_jobs SET count = count + 1, mention = mention | ?3,
      text = CASE WHEN ?4 > seq THEN ?5 ELSE text END, sender_id = CASE WHEN ?4 > seq THEN ?6 ELSE sender_id END,
      seq = max(seq, ?4) WHERE user_id = ?1 AND conversation_id = ?2 AND attempts = 0 RETURNING id`),
    pendingOfUser: p("SELECT count(*) AS n FROM push_jobs WHERE user_id = ?"),
    insertJob: p(`INSERT INTO push_jobs (user_id, conversation_id, sender_id, seq, count, mention, text, enqueued_at, attempts, due_at)
      VALUES (?, ?, ?, ?, 1, ?, ?, ?, 0, ?)`),
    takeJobs: p(`UPDATE push_jobs SET attempts = attempts + 1, taken_until = ?2 WHERE id IN (
      SELECT id FROM push_jobs WHERE due_at <= ?1 AND (taken_until IS NULL OR taken_until <= ?1) ORDER BY due_at, id LIMIT ?3)
      RETURNING *`),
    completeJob: p("DELETE FROM push_jobs WHERE id = ? AND attempts = ?"),
    retryJob: p("UPDATE push_jobs SET due_at = ?, taken_until = NULL WHERE id = ? AND attempts = ?"),
  };
}
/** The push_jobs statements of one connection. */
type JobStatements = ReturnType<typeof preparePushJobStatements>;

/**
 * The queue's writes, run by the store's writer (store/sqlite/writes.ts) in its transactions, so that
 * each is atomic and a resolved one is on disk. Times are passed in: the writer thread has no say.
 */
export const pushJobWrites = {
  enqueuePush(q: JobStatements, m: PushMessage, maxPendingPerUser: number): EnqueueOutcome {
    if (q.collapseJob.get(m.userId, m.conversationId, m.mention ? 1 : 0, m.seq, m.text, m.senderId)) return "collapsed";
    if (Number(q.pendingOfUser.get(m.userId)?.n ?? 0) >= maxPendingPerUser) return "full";
    q.insertJob.run(m.userId, m.conversationId, m.senderId, m.seq, m.mention ? 1 : 0, m.text, m.enqueuedAt, m.enqueuedAt);
    return "queued";
  },
  takePush(q: JobStatements, now: number, visibleAt: number, max: number): PushJob[] {
    return q.takeJobs.all(now, visibleAt, max).map(toJob);
  },
  completePush(q: JobStatements, id: number, attempt: number): void {
    q.completeJob.run(id, attempt);
  },
  retryPush(q: JobStatements, id: number, attempt: number, dueAt: number): void {
    q.retryJob.run(dueAt, id, attempt);
  },
};

/** Options of {@link createSqlitePushQueue}. */
export interface SqlitePushQueueOptions extends PushQueueOptions {
  /** How often a waiting `take` looks for jobs that became due (retries, lapsed takes); 250 ms by default. */
  pollMs?: number;
}

/**
 * The embedded queue: the `push_jobs` table in the store's file, written through its writer thread.
 * An enqueue wakes a waiting `take` at once; jobs that become due later (retries, a take that lapsed)
 * are found by polling every `pollMs`. One process owns the file, so "a crashed worker" here is this
 * node restarting: its taken jobs come back after the visibility timeout.
 */
export function createSqlitePushQueue(write: Writer, options: SqlitePushQueueOptions): PushQueue {
  const pollMs = options.pollMs ?? 250;
  let wake: (() => void) | undefined;
  let closed = false;
  const nap = (ms: number) => new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      wake = undefined;
      resolve();
    }
    wake = done;
  });
  const take = oneAtATime(async (max: number, waitMs: number): Promise<PushJob[]> => {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const now = Date.now();
      const jobs = await write("takePush", now, now + options.visibilityMs, max);
      if (jobs.length > 0 || closed || now >= deadline) return jobs;
      await nap(Math.min(pollMs, deadline - now));
    }
  });
  return {
    async enqueue(m) {
      const outcome = await write("enqueuePush", m, options.maxPendingPerUser);
      if (outcome === "queued") wake?.();
      return outcome;
    },
    take: (_consumer, max, waitMs) => take(max, waitMs),
    complete: (job) => write("completePush", Number(job.id), job.attempt),
    retry: (job, delayMs) => write("retryPush", Number(job.id), job.attempt, Date.now() + delayMs),
    async close() {
      closed = true;
      wake?.();
    },
  };
}

const toJob = (r: Row): PushJob => ({
  id: String(r.id), userId: r.user_id as string, conversationId: r.conversation_id as string, senderId: r.sender_id as string,
  seq: Number(r.seq), count: Number(r.count), mention: r.mention === 1, text: r.text as string, enqueuedAt: Number(r.enqueued_at),
  attempt: Number(r.attempts), receipt: String(r.attempts),
});
