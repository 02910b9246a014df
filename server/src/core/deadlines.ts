import { DeadlineQueue } from "../timers/deadline-queue.ts";
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

/**
 * Every call in flight on one engine shares one timer (a {@link DeadlineQueue}, as the transport's
 * connection deadlines do), instead of a `setTimeout` and its closure per store call (two to
 * three per message on the send path). All calls have the same `ms`, so the queue is in deadline
 * order; a call that answers cancels its deadline, and the timer is unref'd, so an idle node's
 * pending deadlines keep nothing alive.
 */
class DeadlineSweep {
  private readonly queue: DeadlineQueue<{ prop: PropertyKey; reject: (error: unknown) => void }>;

  constructor(ms: number, message: (prop: PropertyKey) => string) {
    this.queue = new DeadlineQueue(ms, (call) => call.reject(unavailable(message(call.prop))));
  }

  /** `promise`, or Unavailable once `ms` have passed; a late failure goes to `onLate` so it is not unhandled. */
  bound<V>(promise: Promise<V>, prop: PropertyKey, onLate: (error: unknown) => void): Promise<V> {
    return new Promise<V>((resolve, reject) => {
      const deadline = this.queue.add({ prop, reject });
      promise.then((value) => {
        if (deadline.target === undefined) return; // already failed by the sweep
        deadline.cancel();
        resolve(value);
      }, (err: unknown) => {
        if (deadline.target === undefined) return onLate(err);
        deadline.cancel();
        reject(err);
      });
    });
  }
}
