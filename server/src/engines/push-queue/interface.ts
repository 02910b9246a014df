/**
 * The durable push queue: notifications waiting to go out, taken by any node's worker.
 *
 * `sqlite/` keeps the jobs in a table of the embedded store's file (one node); `redis/` keeps them in
 * a Redis Stream with a consumer group, so that any node of a cluster takes any job. Both pass
 * `contract.spec.ts`.
 *
 * Contract:
 * - a resolved `enqueue` is durable (in the store's file; in Redis, as durable as Redis is configured);
 * - collapse: a job of (user, conversation) that no worker has taken yet absorbs later enqueues of the
 *   same pair (count + 1, the newest seq and its text, the mention flag or-ed), so a burst becomes one
 *   notification; a job taken once (in flight, or waiting for a retry) absorbs nothing;
 * - at-least-once: a taken job is invisible to other takers for the visibility timeout; when its taker
 *   neither completes nor retries it by then (it crashed), a later `take` delivers it again;
 * - a job is delivered no earlier than its due time (`retry` delays it);
 * - each user has at most `maxPendingPerUser` jobs; an enqueue beyond resolves "full" and stores nothing.
 */
export interface PushQueue {
  /** Adds a message to the user's pending job of its conversation, or queues a new job. */
  enqueue(message: PushMessage): Promise<EnqueueOutcome>;
  /**
   * Takes up to `max` due jobs for `consumer` (a worker's name), waiting up to `waitMs` for one; each
   * taken job's `attempt` counts this delivery. Calls are meant to come from one loop per queue: a
   * second call waits for the first.
   */
  take(consumer: string, max: number, waitMs: number): Promise<PushJob[]>;
  /** Removes a delivered (or dropped) job. */
  complete(job: PushJob): Promise<void>;
  /** Gives a job back, due again in `delayMs` (its attempts are kept). */
  retry(job: PushJob, delayMs: number): Promise<void>;
  /** Wakes a waiting `take` (it resolves with what is due) and releases connections. */
  close(): Promise<void>;
}

/** One message for one user, as the trigger enqueues it. */
export interface PushMessage {
  userId: string;
  conversationId: string;
  senderId: string;
  seq: number;
  /** True when the message mentions the user. */
  mention: boolean;
  /** The preview text ("" when the user does not allow previews), already bounded by the caller. */
  text: string;
  /** When the message was enqueued (Unix ms), for the latency figures. */
  enqueuedAt: number;
}

/** A job: the messages of one conversation for one user, collapsed. */
export interface PushJob extends PushMessage {
  /** The queue's id of the job. */
  id: string;
  /** How many messages it covers, at least 1. */
  count: number;
  /** Which delivery this is: 1 the first time, more after retries and crashed takers. */
  attempt: number;
  /** The queue's handle of this delivery, for complete/retry. */
  receipt: string;
}

/** What an enqueue did. */
export type EnqueueOutcome = "queued" | "collapsed" | "full";

/** Options every queue takes. */
export interface PushQueueOptions {
  /** How long a taken job stays invisible before it is delivered again (its taker is presumed dead). */
  visibilityMs: number;
  /** Jobs per user at most (one per conversation at most while pending, plus those retrying). */
  maxPendingPerUser: number;
}
