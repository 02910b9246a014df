import type { PresenceStore } from "../store/presence-store.ts";
import type { SessionMap, UserStatus } from "./interface.ts";

/** Options of {@link keepPresence}. */
export interface KeptPresenceOptions {
  /** Where statuses and last-seen times are kept. */
  store: PresenceStore;
  /**
   * How often pending last-seen times are written, and the map is checked for a loss (Redis
   * restarted empty): 5 s by default. A device that flaps within it costs one write.
   */
  flushMs?: number;
  /**
   * At most this many users' writes wait at once (10,000 by default): beyond, a change is not kept
   * (the map still has it) and the loss is reported, so that a stalled store cannot grow the node's memory.
   */
  maxPending?: number;
  /** Users read from the store per page when restoring (500 by default). */
  pageSize?: number;
  /** Hears about failed writes and restores (each retried: the write at the next flush, the restore at the next check). */
  onError: (error: unknown) => void;
  /** Hears how many users' presence was restored after the map lost it. */
  onRestored?: (users: number) => void;
}

/** A session map that keeps statuses and last-seen times in the store; see {@link keepPresence}. */
export interface KeptSessionMap extends SessionMap {
  /** Writes what is pending now (tests, shutdown); resolves once written or reported. */
  flush(): Promise<void>;
}

/**
 * Keeps the presence a user chose, and when they were last seen, across a loss of the session map
 * (the embedded node's restart, Redis restarted empty): `map` stays the live truth, and `store`
 * gets each change. A status is written when it changes (the change resolves once it is kept, or
 * once its failed write is queued for retry); a last-seen time when a user comes online and goes
 * offline (their last device's stream ends, or a crashed node's devices lapse), coalesced per user
 * for `flushMs`. Resolves once the map is restored (a fresh memory map always, a Redis one if it
 * lost its state); then checks every `flushMs` whether it lost it again and restores it.
 *
 * Restoring is a full read of what the store keeps, by one node: no presence read pays for it, but
 * until it is done (the check's period plus the scan) a user who chose a status shows the default,
 * and push may reach a busy user. What a user changed in that window is newer and stays; a status
 * reset to the default in that window comes back (the map holds no trace of the reset).
 */
export async function keepPresence(map: SessionMap, options: KeptPresenceOptions): Promise<KeptSessionMap> {
  const { store, onError } = options;
  const maxPending = options.maxPending ?? 10_000;
  const pageSize = options.pageSize ?? 500;
  const seen = new Map<string, Date>();
  const statuses = new Map<string, UserStatus | undefined>();
  let dropped = 0;
  let flushing: Promise<void> = Promise.resolve();

  /** Queues an entry unless `maxPending` are waiting already (then counts it as dropped). */
  const queue = <V>(pending: Map<string, V>, userId: string, value: V): void => {
    if (pending.size + (pending === seen ? statuses.size : seen.size) >= maxPending && !pending.has(userId)) dropped++;
    else pending.set(userId, value);
  };
  const sawNow = (userId: string, at = new Date()): void => {
    const before = seen.get(userId);
    if (!before || before < at) queue(seen, userId, at);
  };
  /** Writes what is pending; on failure puts back what no newer change replaced, for the next flush. */
  const writePending = async (): Promise<void> => {
    const times = [...seen].map(([userId, at]) => ({ userId, at }));
    const changes = [...statuses].map(([userId, status]) => ({ userId, status }));
    seen.clear();
    statuses.clear();
    if (dropped > 0) {
      onError(new Error(`${dropped} presence changes (last-seen times, statuses) were not kept in the store: more than ${maxPending} waited for it`));
      dropped = 0;
    }
    const [wroteStatuses, wroteTimes] = await Promise.allSettled([
      changes.length ? store.putUserStatuses(changes) : undefined,
      times.length ? store.putLastSeen(times) : undefined,
    ]);
    if (wroteStatuses.status === "rejected") {
      onError(new Error(`keeping ${changes.length} statuses in the store failed; retried at the next flush`, { cause: wroteStatuses.reason }));
      for (const c of changes) if (!statuses.has(c.userId)) queue(statuses, c.userId, c.status);
    }
    if (wroteTimes.status === "rejected") {
      onError(new Error(`keeping ${times.length} last-seen times in the store failed; retried at the next flush`, { cause: wroteTimes.reason }));
      for (const t of times) sawNow(t.userId, t.at);
    }
  };
  /** One flush after another: a status change waits for the flush in flight, then writes (whatever that one's outcome). */
  const flush = (): Promise<void> => (flushing = flushing.then(writePending, writePending));
  let restoring = false;
  const restore = async (): Promise<void> => {
    // What this node has pending goes first, so that a scan reads it (other nodes' pending writes
    // may land after it: those users show their previous last-seen time until they next connect).
    await flush();
    if (restoring) return;
    restoring = true;
    try {
      const users = await map.restoreIfLost(() => store.keptPresence(pageSize));
      if (users > 0) options.onRestored?.(users);
    } finally {
      restoring = false;
    }
  };

  const restoreOrReport = () => restore().catch((err: unknown) => onError(new Error("restoring presence from the store failed; the next check retries", { cause: err })));
  // Before the node serves; a map or store that cannot answer yet is retried by the timer, not fatal.
  await restoreOrReport();
  // Every tick flushes (restore() does so first) and checks for a loss.
  const timer = setInterval(() => void restoreOrReport(), options.flushMs ?? 5_000).unref();

  return {
    async add(s) {
      const first = await map.add(s);
      if (first) sawNow(s.userId);
      return first;
    },
    async remove(s) {
      const last = await map.remove(s);
      if (last) sawNow(s.userId);
      return last;
    },
    refresh: (sessions) => map.refresh(sessions),
    async expire() {
      const users = await map.expire();
      // Their devices lapsed: they were last seen at their last refresh, which the map recorded.
      if (users.length > 0) for (const r of await map.presence(users)) if (r.lastSeen) sawNow(r.userId, r.lastSeen);
      return users;
    },
    locate: (userIds) => map.locate(userIds),
    presence: (userIds) => map.presence(userIds),
    async setStatus(userId, change) {
      const result = await map.setStatus(userId, change);
      queue(statuses, userId, result.after.status);
      await flush();
      return result;
    },
    async expireStatuses() {
      const users = await map.expireStatuses();
      if (users.length === 0) return users;
      for (const r of await map.presence(users)) queue(statuses, r.userId, r.status);
      await flush();
      return users;
    },
    restoreIfLost: (kept) => map.restoreIfLost(kept),
    flush,
    async close() {
      clearInterval(timer);
      await flush();
      await map.close();
    },
  };
}
