/** A function whose calls run one after another, and a way to wait until none runs. */
export interface OneAtATime<A extends unknown[], R> {
  (...args: A): Promise<R>;
  /** Resolves once every call made so far has settled. */
  idle(): Promise<void>;
}

/**
 * Runs the calls of `fn` one at a time, in order: a queue's `take` holds one blocking read (or one
 * poll loop) at a time. Each call's failure goes to its own caller; the next call runs regardless.
 */
export function oneAtATime<A extends unknown[], R>(fn: (...args: A) => Promise<R>): OneAtATime<A, R> {
  let last: Promise<void> = Promise.resolve();
  const run = (...args: A): Promise<R> => {
    const result = last.then(() => fn(...args));
    // Only the order is kept here: the caller hears the failure through `result`.
    last = result.then(settledOk, settledFailed);
    return result;
  };
  return Object.assign(run, { idle: () => last });
}

function settledOk(): void {}
function settledFailed(): void {}
