import { readdirSync, readFileSync } from "node:fs";
import { availableParallelism, setPriority } from "node:os";
import { Code, ConnectError } from "@connectrpc/connect";
import argon2 from "argon2";

/**
 * Password hashing with argon2id (OWASP's first choice): 64 MiB, 3 passes, one lane. One lane keeps a
 * check on one core (~290 ms there): with argon2's default of 4 lanes a check takes 1.6 cores, and
 * a login flood starves the event loop whatever the pool allows. The encoded hash carries the
 * parameters, so hashes made with 4 lanes still verify (on more cores). `maxWaitMs` bounds the wait
 * for a slot (see ArgonPool.run).
 */
export function hashPassword(password: string, maxWaitMs = Number.POSITIVE_INFINITY): Promise<string> {
  return argonPool.run(() => argon2.hash(password, { type: argon2.argon2id, parallelism: 1 }), maxWaitMs);
}

/** True when `password` matches the encoded hash; `maxWaitMs` as for hashPassword. */
export function verifyPassword(hash: string, password: string, maxWaitMs = Number.POSITIVE_INFINITY): Promise<boolean> {
  return argonPool.run(() => argon2.verify(hash, password), maxWaitMs);
}

/** How much the latest check weighs in the recent check time (an exponential moving average). */
const recentWeight = 0.3;

/**
 * At most `slots` argon2 computations at once, and at most `maxQueued` waiting; past that a call
 * fails at once with ResourceExhausted. argon2 already runs on libuv's thread pool (off the event
 * loop), but each computation takes ~290 ms of a core: unbounded, a login flood takes every core and
 * every other user waits. One core is left to the event loop.
 */
export class ArgonPool {
  private readonly slots: number;
  private readonly maxQueued: number;
  private running = 0;
  private readonly queue: (() => void)[] = [];
  /** The recent time of one computation, in ms (measured; a first guess until the first one ends). */
  private recentMs = 300;

  constructor(slots: number, maxQueued: number) {
    this.slots = slots;
    this.maxQueued = maxQueued;
  }

  /**
   * Runs `work` when a slot is free. A call that would wait longer than `maxWaitMs` (the calls ahead
   * of it and the running ones, at the recent time of one, shared among the slots) fails at once with
   * ResourceExhausted and the expected wait as retry-after, as Centrifugo and Matrix servers refuse
   * a busy login: an admitted call then answers within `maxWaitMs` and its own computation, where a
   * full queue of 128 behind one slot made the last wait ~37 s (past most clients' timeouts, so that
   * their retries queued again).
   */
  async run<T>(work: () => Promise<T>, maxWaitMs = Number.POSITIVE_INFINITY): Promise<T> {
    if (this.running >= this.slots) {
      const waitMs = ((this.queue.length + 1) * this.recentMs) / this.slots;
      if (this.queue.length >= this.maxQueued || waitMs > maxWaitMs) {
        const retryMs = Math.ceil(waitMs);
        throw new ConnectError(`the server is busy checking passwords; retry in ${Math.ceil(retryMs / 1000)} s`, Code.ResourceExhausted,
          { "retry-after": String(Math.ceil(retryMs / 1000)), "retry-after-ms": String(retryMs) });
      }
      await new Promise<void>((resolve) => this.queue.push(resolve));
    } else {
      this.running++;
    }
    const started = performance.now();
    try {
      return await work();
    } finally {
      this.recentMs += recentWeight * (performance.now() - started - this.recentMs);
      // The slot passes straight to the next in line, or is freed.
      const next = this.queue.shift();
      if (next) next();
      else this.running--;
    }
  }
}

const argonPool = new ArgonPool(Math.max(1, availableParallelism() - 1), 128);

/** A valid hash of a password nobody knows: verified against when the username does not exist, so
 * that timing does not tell which usernames are taken. */
export const dummyHash = await hashPassword(`not-a-real-password-${Math.random()}`);

/**
 * Lowers the CPU priority (nice 10) of libuv's thread pool, where argon2 runs. The pool leaves one
 * core to the event loop, but on a loaded machine that core is shared: a login flood then stretched
 * other users' p99 past twice its idle value. At nice 10 the scheduler gives the event loop (nice 0)
 * ~90 % of a contended core. The pool's other work (file system calls, DNS) waits on I/O, not CPU.
 * Linux only (threads are listed in /proc); elsewhere the pool keeps its priority.
 */
function yieldThreadPoolToEventLoop(): void {
  try {
    for (const tid of readdirSync("/proc/self/task")) {
      if (readFileSync(`/proc/self/task/${tid}/comm`, "utf8").trim() === "libuv-worker") setPriority(Number(tid), 10);
    }
  } catch (err) {
    process.emitWarning(`argon2 checks keep the event loop's priority: ${String(err)}`);
  }
}
yieldThreadPoolToEventLoop(); // the pool's threads exist now: the dummy hash above started them
