import { readdirSync, readFileSync } from "node:fs";
import { availableParallelism, setPriority } from "node:os";
import { Code, ConnectError } from "@connectrpc/connect";
import argon2 from "argon2";

/**
 * Password hashing with argon2id (OWASP's first choice): 64 MiB, 3 passes, one lane. One lane keeps a
 * check on one core (~290 ms there): with argon2's default of 4 lanes a check takes 1.6 cores, and
 * a login flood starves the event loop whatever the pool allows. The encoded hash carries the
 * parameters, so hashes made with 4 lanes still verify (on more cores).
 */
export function hashPassword(password: string): Promise<string> {
  return argonPool.run(() => argon2.hash(password, { type: argon2.argon2id, parallelism: 1 }));
}

/** True when `password` matches the encoded hash. */
export function verifyPassword(hash: string, password: string): Promise<boolean> {
  return argonPool.run(() => argon2.verify(hash, password));
}

/**
 * At most `slots` argon2 computations at once, and at most `maxQueued` waiting; past that a call
 * fails at once with ResourceExhausted. argon2 already runs on libuv's thread pool (off the event
 * loop), but each computation takes ~170 ms of a core: unbounded, a login flood takes every core and
 * every other user waits. One core is left to the event loop.
 */
export class ArgonPool {
  private readonly slots: number;
  private readonly maxQueued: number;
  private running = 0;
  private readonly queue: (() => void)[] = [];

  constructor(slots: number, maxQueued: number) {
    this.slots = slots;
    this.maxQueued = maxQueued;
  }

  /** Runs `work` when a slot is free. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.slots) {
      if (this.queue.length >= this.maxQueued) {
        throw new ConnectError("the server is busy checking passwords; retry in a moment", Code.ResourceExhausted, { "retry-after": "1", "retry-after-ms": "1000" });
      }
      await new Promise<void>((resolve) => this.queue.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await work();
    } finally {
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
