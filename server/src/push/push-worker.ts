import type { PushJob, PushQueue } from "../engines/push-queue/interface.ts";
import type { SessionMap } from "../engines/sessions/interface.ts";
import type { Store } from "../engines/store/interface.ts";
import { muteHolds } from "../engines/store/push-store.ts";
import { composeNotification } from "./notification.ts";
import type { PushEndpointRecord, PushProvider, PushProviderKind, PushResult } from "./providers/provider.ts";
import { type RetryPolicy, retryDelayMs } from "./retry-policy.ts";

/** The push services a node can send through: those it has credentials for. */
export interface ConfiguredProviders {
  /** The provider of a kind, undefined when the node has no credentials for it. */
  get(kind: PushProviderKind): PushProvider | undefined;
}

/** Options of {@link PushWorker}. */
export interface PushWorkerOptions {
  queue: PushQueue;
  store: Pick<Store, "getUsers" | "getConversation" | "getPushSettings" | "listPushEndpoints" | "deletePushEndpoint" | "listMutes">;
  sessions: Pick<SessionMap, "presence">;
  providers: ConfiguredProviders;
  /** This worker's name in the queue (the node id): whose takes are whose. */
  consumer: string;
  /** Jobs in flight at most. */
  concurrency: number;
  retry: RetryPolicy;
  /** How long push services keep trying to reach a device. */
  ttlSeconds: number;
  /** Hears failures that concern no client (a store or queue call that failed). */
  onError: (error: unknown) => void;
  /** Hears what the operator should see: endpoints removed, jobs dropped. */
  log: (details: object, message: string) => void;
}

/** Jobs by outcome since start (for /metrics and the tests). */
export interface PushCounts {
  /** Notifications a push service took (one per endpoint). */
  sent: number;
  /** Jobs cancelled: the user came online, muted the conversation or set do-not-disturb meanwhile. */
  cancelled: number;
  /** Endpoints removed because their service reported them gone. */
  gone: number;
  /** Attempts given back to the queue for a later retry. */
  retried: number;
  /** Jobs dropped after their last attempt, or refused for good by the service. */
  dropped: number;
}

/** How long one take waits for a job: what a drain waits at most for the loop to notice. */
const takeWaitMs = 1_000;

/**
 * The push worker: takes jobs from the queue (any node's, in a cluster) and sends each to every
 * endpoint of its user, unless the user came online (a connected device cancels the job), muted the
 * conversation (but for a mention) or went do-not-disturb since the message was enqueued. A "gone"
 * endpoint is removed; a "retry" gives the job back with exponential backoff and jitter (never sooner
 * than the service's Retry-After), up to `retry.maxAttempts`, then it is dropped with a log line. A
 * retry sends to every endpoint again: the notification's collapse key (the conversation) makes a
 * device that got it the first time show it once.
 */
export class PushWorker {
  readonly counts: PushCounts = { sent: 0, cancelled: 0, gone: 0, retried: 0, dropped: 0 };
  private readonly options: PushWorkerOptions;
  private readonly inFlight = new Set<Promise<void>>();
  private loop: Promise<void> | undefined;
  private stopping = false;

  constructor(options: PushWorkerOptions) {
    this.options = options;
  }

  /** Starts taking jobs (again, after a drain). */
  start(): void {
    if (this.loop && !this.stopping) return;
    this.stopping = false;
    const previous = this.loop ?? Promise.resolve();
    this.loop = previous.then(() => this.run());
  }

  /** Stops taking jobs and waits for those in flight (SIGTERM): what is not taken stays queued. */
  async drain(): Promise<void> {
    this.stopping = true;
    await this.loop;
    await Promise.all(this.inFlight);
  }

  private async run(): Promise<void> {
    const { queue, consumer, concurrency, onError } = this.options;
    while (!this.stopping) {
      if (this.inFlight.size >= concurrency) {
        await Promise.race(this.inFlight);
        continue;
      }
      let jobs: PushJob[];
      try {
        jobs = await queue.take(consumer, concurrency - this.inFlight.size, takeWaitMs);
      } catch (err) {
        if (this.stopping) break;
        onError(new Error("push queue: take failed; trying again in 1 s", { cause: err }));
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        continue;
      }
      for (const job of jobs) {
        const handled: Promise<void> = this.handle(job).finally(() => this.inFlight.delete(handled));
        this.inFlight.add(handled);
      }
    }
  }

  /** One job, start to end: it is completed, retried or dropped, and nothing escapes. */
  private async handle(job: PushJob): Promise<void> {
    const { queue, retry, log, onError } = this.options;
    let again: { retryAfterMs?: number | undefined } | undefined;
    try {
      again = await this.deliver(job);
    } catch (err) {
      // A store or session map call failed: the job is worth another try, like a 5xx.
      onError(new Error(`push job ${job.id}: delivery failed`, { cause: err }));
      again = {};
    }
    try {
      if (again && job.attempt < retry.maxAttempts) {
        this.counts.retried++;
        await queue.retry(job, retryDelayMs(job.attempt, retry, again.retryAfterMs));
        return;
      }
      if (again) {
        this.counts.dropped++;
        log({ jobId: job.id, userId: job.userId, conversationId: job.conversationId, attempts: job.attempt }, "push job dropped after its last attempt");
      }
      await queue.complete(job);
    } catch (err) {
      // Neither completed nor retried: the queue delivers it again after the visibility timeout.
      onError(new Error(`push job ${job.id}: could not complete or retry it; it comes back after the visibility timeout`, { cause: err }));
    }
  }

  /** Sends a job; resolves what to retry after (undefined when nothing is to be retried). */
  private async deliver(job: PushJob): Promise<{ retryAfterMs?: number | undefined } | undefined> {
    const { store, providers, ttlSeconds } = this.options;
    if (!(await this.stillWanted(job))) {
      this.counts.cancelled++;
      return undefined;
    }
    const endpoints = await store.listPushEndpoints(job.userId);
    if (endpoints.length === 0) return undefined;
    const notification = await composeNotification(store, job, ttlSeconds);
    const results = await Promise.all(endpoints.map(async (endpoint) => {
      const provider = providers.get(endpoint.provider);
      if (!provider) return undefined; // registered while this node had credentials; it has none now
      return { endpoint, result: await provider.send(endpoint, notification) };
    }));
    let retryAfter: { retryAfterMs?: number | undefined } | undefined;
    for (const r of results) {
      if (!r) continue;
      const wait = await this.settle(job, r.endpoint, r.result);
      if (wait) retryAfter = { retryAfterMs: Math.max(retryAfter?.retryAfterMs ?? 0, wait.retryAfterMs ?? 0) || undefined };
    }
    return retryAfter;
  }

  /** Records one endpoint's answer; resolves a wait when it asks for a retry. */
  private async settle(job: PushJob, endpoint: PushEndpointRecord, result: PushResult): Promise<{ retryAfterMs?: number | undefined } | undefined> {
    const { store, log } = this.options;
    switch (result.kind) {
      case "sent":
        this.counts.sent++;
        return undefined;
      case "gone":
        this.counts.gone++;
        // With its token: a device that registered a new endpoint since keeps it.
        await store.deletePushEndpoint(endpoint.userId, endpoint.deviceId, endpoint.token);
        log({ userId: endpoint.userId, deviceId: endpoint.deviceId, provider: endpoint.provider, reason: result.reason }, "push endpoint gone; removed");
        return undefined;
      case "retry":
        return { retryAfterMs: result.retryAfterMs };
      case "failed":
        this.counts.dropped++;
        log({ jobId: job.id, userId: endpoint.userId, deviceId: endpoint.deviceId, provider: endpoint.provider, reason: result.reason },
          "push refused by the push service; not retried");
        return undefined;
    }
  }

  /**
   * Whether the job should still go out, checked when it is taken: the user has no connected device
   * (the session map, cluster-wide, is the truth), is not do-not-disturb, and has not muted the
   * conversation since (a mention goes through a mute).
   */
  private async stillWanted(job: PushJob): Promise<boolean> {
    const { store, sessions } = this.options;
    const [[presence], mutes] = await Promise.all([sessions.presence([job.userId]), store.listMutes(job.conversationId)]);
    if (presence?.online || presence?.status?.availability === "busy") return false;
    return job.mention || !muteHolds(mutes.find((m) => m.userId === job.userId), new Date());
  }
}
