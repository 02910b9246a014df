/**
 * One deadline in a {@link DeadlineQueue}. Cancelling lets go of its target at once, so a closed
 * connection is not kept alive until its deadline would have come.
 */
export class Deadline<T> {
  /** When it falls due, in `performance.now()` time. */
  readonly at: number;
  /** What expires; undefined once cancelled or expired. */
  target: T | undefined;

  constructor(at: number, target: T) {
    this.at = at;
    this.target = target;
  }

  /** The deadline will not fire. Idempotent, and harmless after it fired. */
  cancel(): void {
    this.target = undefined;
  }
}

/**
 * One timer for every deadline of one kind (a connection's first bytes, its authentication, a
 * session's SETTINGS ack, a request body; the store calls of an engine: core/deadlines.ts), instead of a `setTimeout`, its closure and a cancel closure
 * per connection: what each idle device held for as long as it stayed connected (the heap census of
 * issue 12). Every deadline of a queue is `ms` long, so the order they are added in is the order they
 * fall due: the queue is a FIFO whose head is the next one, and a cancelled one only leaves an empty
 * entry until then.
 *
 * A deadline expires only after the event loop has also read what arrived meanwhile (the sweep runs
 * in a `setImmediate` after the timer): after a stall (GC, a busy core) timers run before pending I/O,
 * so a plain timer would cut off a client whose bytes came in time, for our delay rather than its
 * silence. The timer is unref'd and cleared when nothing is pending.
 */
export class DeadlineQueue<T> {
  private readonly ms: number;
  private readonly expire: (target: T) => void;
  private readonly entries: Deadline<T>[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Made once per queue: the timer's and the sweep's callbacks. */
  private readonly onTimer = () => setImmediate(this.onSweep);
  private readonly onSweep = () => this.sweep();

  /** @param expire is called once per deadline that falls due uncancelled, with its target. */
  constructor(ms: number, expire: (target: T) => void) {
    this.ms = ms;
    this.expire = expire;
  }

  /** Deadlines not yet due (cancelled ones included until their time): for tests. */
  get pending(): number {
    return this.entries.length - this.head;
  }

  /** Adds a deadline `ms` from now for `target`. */
  add(target: T): Deadline<T> {
    const deadline = new Deadline(performance.now() + this.ms, target);
    this.entries.push(deadline);
    this.timer ??= setTimeout(this.onTimer, this.ms).unref();
    return deadline;
  }

  /** Expires every deadline due, then waits for the next one's time (even if an expiry threw). */
  private sweep(): void {
    this.timer = undefined;
    const now = performance.now();
    try {
      while (this.head < this.entries.length) {
        const deadline = this.entries[this.head]!;
        if (deadline.target !== undefined && deadline.at > now) break;
        this.head++;
        const target = deadline.target;
        if (target === undefined) continue;
        deadline.target = undefined;
        this.expire(target);
      }
    } finally {
      this.rearm(now);
    }
  }

  /** Drops what the sweep passed and sets the timer for the next deadline, if any. */
  private rearm(now: number): void {
    if (this.head === this.entries.length) {
      this.entries.length = 0;
      this.head = 0;
      return;
    }
    if (this.head >= 1024 && this.head * 2 >= this.entries.length) {
      this.entries.splice(0, this.head);
      this.head = 0;
    }
    // Timers may fire a little before performance.now() says the deadline is reached: at least 1 ms.
    this.timer ??= setTimeout(this.onTimer, Math.max(1, Math.ceil(this.entries[this.head]!.at - now))).unref();
  }
}
