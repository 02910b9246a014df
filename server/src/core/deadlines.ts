import { unavailable } from "./errors.ts";

/**
 * Gives every promise-returning method of an engine a deadline: past `ms`, the call fails with
 * Unavailable instead of waiting for as long as the database is stalled. A send whose write misses
 * its deadline is therefore refused, never acknowledged falsely; the write may still land later, and
 * the client's retry with the same client_message_id then gets that message's ACK (appends are
 * idempotent). What a late call finally does is only logged: its caller has been answered.
 *
 * `close` is left alone (shutdown waits for in-flight work on purpose).
 */
export function withDeadlines<T extends object>(engine: T, ms: number, what: string, onLate: (error: unknown) => void): T {
  const wrapped = new Map<PropertyKey, unknown>();
  const sweep = new DeadlineSweep(ms, (prop) => `${what} did not answer ${String(prop)} within ${ms} ms; try again`);
  return new Proxy(engine, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== "function" || prop === "close") return value;
      let fn = wrapped.get(prop);
      if (!fn) {
        fn = (...args: unknown[]) => {
          const result: unknown = value.apply(target, args);
          return result instanceof Promise ? sweep.bound(result, prop, onLate) : result;
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
