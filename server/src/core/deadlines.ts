import { resourceExhausted, unavailable } from "./errors.ts";

/**
 * Load shedding for some methods of an engine: once the oldest of their calls in flight has waited
 * `afterMs`, a new one is refused at once with ResourceExhausted instead of joining the queue.
 *
 * Why: a store that falls behind (more sends than its writer commits) otherwise takes every send
 * into a queue whose wait only grows; past the deadline each is refused with Unavailable, yet still
 * written later, so the node spends its time on work nobody waits for and accepts fewer messages
 * the more it is offered (direct bench, 20,000 msg/s offered: 1,304 accepted, 155k refused after 5 s).
 * Refusing early keeps the queue at most `afterMs` deep: what is accepted is acknowledged within
 * about that, and the clients' retries (ResourceExhausted is retried after ≥ 1 s, see
 * client/src/live-session.ts) come back when there is room.
 */
export interface LoadShedding {
  /** The methods shed (the writes a send makes). */
  readonly methods: readonly string[];
  /** How long the oldest call in flight may have waited before new ones are refused; 0 sheds nothing. */
  readonly afterMs: number;
  /** Called for each call refused (a metric). */
  onShed?(method: string): void;
}

/**
 * Gives every promise-returning method of an engine a deadline: past `ms`, the call fails with
 * Unavailable instead of waiting for as long as the database is stalled. A send whose write misses
 * its deadline is therefore refused, never acknowledged falsely; the write may still land later, and
 * the client's retry with the same client_message_id then gets that message's ACK (appends are
 * idempotent). What a late call finally does is only logged: its caller has been answered.
 *
 * `close` is left alone (shutdown waits for in-flight work on purpose).
 */
export function withDeadlines<T extends object>(engine: T, ms: number, what: string, onLate: (error: unknown) => void, shedding?: LoadShedding): T {
  const wrapped = new Map<PropertyKey, unknown>();
  const message = (prop: PropertyKey) => `${what} did not answer ${String(prop)} within ${ms} ms; try again`;
  const sweep = new DeadlineSweep(ms, message);
  // The shed methods get a sweep of their own: its head is the oldest of their calls in flight,
  // which a slow read elsewhere (a search, a backup) must not stand for.
  const shed = shedding && shedding.afterMs > 0 ? new Set<PropertyKey>(shedding.methods) : undefined;
  const shedSweep = shed ? new DeadlineSweep(ms, message) : undefined;
  return new Proxy(engine, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== "function" || prop === "close") return value;
      let fn = wrapped.get(prop);
      if (!fn) {
        const own = shedSweep && shed?.has(prop) ? shedSweep : sweep;
        fn = (...args: unknown[]) => {
          if (own === shedSweep && shedSweep.oldestWaitMs() >= shedding!.afterMs) {
            shedding!.onShed?.(String(prop));
            return Promise.reject(resourceExhausted(`the server is saturated: ${what} is more than ${shedding!.afterMs} ms behind; try again in a moment`));
          }
          const result: unknown = value.apply(target, args);
          return result instanceof Promise ? own.bound(result, prop, onLate) : result;
        };
        wrapped.set(prop, fn);
      }
      return fn;
    },
  });
}

/** A call in flight: when it must have answered, and how to fail it. */
interface Pending {
  readonly deadline: number;
  readonly prop: PropertyKey;
  readonly reject: (error: unknown) => void;
  /** Answered, or failed by the sweep: either way no longer the sweep's. */
  done: boolean;
}

/**
 * One timer for every call in flight on one engine, instead of a `setTimeout` and its closure per
 * store call (two to three per message on the send path). All calls have the same `ms`, so the
 * order they start in is the order their deadlines fall in: a queue, whose head is the next deadline.
 * A call that answers is marked done; done calls at the head are dropped at once (calls mostly answer
 * in order, so the queue stays short), and the timer is cleared when nothing is in flight, as the
 * per-call timers were, so an idle node holds none.
 */
class DeadlineSweep {
  private readonly queue: Pending[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly ms: number;
  private readonly message: (prop: PropertyKey) => string;

  constructor(ms: number, message: (prop: PropertyKey) => string) {
    this.ms = ms;
    this.message = message;
  }

  /** `promise`, or Unavailable once `ms` have passed; a late failure goes to `onLate` so it is not unhandled. */
  bound<V>(promise: Promise<V>, prop: PropertyKey, onLate: (error: unknown) => void): Promise<V> {
    return new Promise<V>((resolve, reject) => {
      const call: Pending = { deadline: performance.now() + this.ms, prop, reject, done: false };
      this.queue.push(call);
      this.timer ??= setTimeout(() => this.sweep(), this.ms);
      promise.then((value) => {
        if (call.done) return;
        this.answered(call);
        resolve(value);
      }, (err: unknown) => {
        if (call.done) return onLate(err);
        this.answered(call);
        reject(err);
      });
    });
  }

  /** How long the oldest call in flight has waited, in ms; 0 when none is. */
  oldestWaitMs(): number {
    const oldest = this.queue[this.head];
    return oldest ? performance.now() - (oldest.deadline - this.ms) : 0;
  }

  private answered(call: Pending): void {
    call.done = true;
    this.dropDone();
  }

  /** Fails every call past its deadline, then waits for the next one's. */
  private sweep(): void {
    this.timer = undefined;
    const now = performance.now();
    for (let i = this.head; i < this.queue.length; i++) {
      const call = this.queue[i]!;
      if (call.done) continue;
      if (call.deadline > now) break;
      call.done = true;
      call.reject(unavailable(this.message(call.prop)));
    }
    this.dropDone();
    // Timers may fire a little before performance.now() says the deadline is reached: at least 1 ms.
    if (this.head < this.queue.length) this.timer ??= setTimeout(() => this.sweep(), Math.max(1, Math.ceil(this.queue[this.head]!.deadline - now)));
  }

  /** Drops the done calls at the head; with nothing left in flight, no timer either. */
  private dropDone(): void {
    while (this.head < this.queue.length && this.queue[this.head]!.done) this.head++;
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
      clearTimeout(this.timer);
      this.timer = undefined;
    } else if (this.head >= 1024 && this.head * 2 >= this.queue.length) {
      this.queue.splice(0, this.head); // a long call at the head held many answered ones behind it
      this.head = 0;
    }
  }
}
