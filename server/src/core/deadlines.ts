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
  return new Proxy(engine, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== "function" || prop === "close") return value;
      let fn = wrapped.get(prop);
      if (!fn) {
        fn = (...args: unknown[]) => {
          const result: unknown = value.apply(target, args);
          return result instanceof Promise ? bounded(result, ms, `${what} did not answer ${String(prop)} within ${ms} ms; try again`, onLate) : result;
        };
        wrapped.set(prop, fn);
      }
      return fn;
    },
  });
}

/** `promise`, or Unavailable after `ms`; a late failure goes to `onLate` so it is not unhandled. */
function bounded<V>(promise: Promise<V>, ms: number, message: string, onLate: (error: unknown) => void): Promise<V> {
  return new Promise<V>((resolve, reject) => {
    let late = false;
    const timer = setTimeout(() => {
      late = true;
      reject(unavailable(message));
    }, ms);
    promise.then((value) => {
      clearTimeout(timer);
      resolve(value);
    }, (err: unknown) => {
      clearTimeout(timer);
      if (late) onLate(err);
      else reject(err);
    });
  });
}
