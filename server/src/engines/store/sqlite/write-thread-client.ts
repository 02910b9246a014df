import { Worker } from "node:worker_threads";
import type { WriteThreadData } from "./write-thread.ts";
import type { Write } from "./writes.ts";

type Reply = { id: number; results?: ({ ok: unknown } | { error: string })[]; failed?: string };

/** The main thread's side of the writer thread (write-thread.ts): one request per batch of writes. */
export class WriteThread {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, { resolve: (r: unknown[]) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private broken: Error | undefined;

  /** @param commitIntervalMs the least time between the starts of two commits (see write-thread.ts) */
  constructor(path: string, commitIntervalMs: number) {
    const workerData: WriteThreadData = { path, commitIntervalMs };
    this.worker = new Worker(new URL("./write-thread.ts", import.meta.url), { workerData });
    // The answers of one commit come together (write-thread.ts).
    this.worker.on("message", (replies: Reply[]) => {
      for (const reply of replies) this.settle(reply);
    });
    // A dead thread fails what it held and every later write: the node reports Unavailable-like
    // errors rather than hanging.
    const fail = (err: Error) => {
      this.broken = err;
      for (const w of this.waiting.values()) w.reject(err);
      this.waiting.clear();
    };
    this.worker.on("error", fail);
    this.worker.on("exit", (code) => fail(new Error(`the store's writer thread exited (${code})`)));
  }

  /** Commits one batch on the writer thread: one result (or Error) per write, in order. */
  commit(batch: Write[]): Promise<unknown[]> {
    if (this.broken) return Promise.reject(this.broken);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, batch });
    });
  }

  /** Stops the thread (after the store drained its writes). */
  async close(): Promise<void> {
    this.worker.removeAllListeners("exit");
    await this.worker.terminate();
  }

  private settle(reply: Reply): void {
    const w = this.waiting.get(reply.id);
    if (!w) return;
    this.waiting.delete(reply.id);
    if (reply.failed !== undefined) w.reject(new Error(reply.failed));
    else w.resolve(reply.results!.map((r) => ("ok" in r ? r.ok : new Error(r.error))));
  }
}
