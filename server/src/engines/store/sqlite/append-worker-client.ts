import { Worker } from "node:worker_threads";
import type { NewMessage } from "../interface.ts";
import type { Appended } from "./statements.ts";

type Reply = { id: number; results?: ({ ok: Appended } | { error: string })[]; failed?: string };

/** The main thread's side of the append thread (append-worker.ts): one request per batch. */
export class AppendWorker {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, { resolve: (r: (Appended | Error)[]) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private broken: Error | undefined;

  constructor(path: string) {
    this.worker = new Worker(new URL("./append-worker.ts", import.meta.url), { workerData: { path } });
    this.worker.on("message", (reply: Reply) => this.settle(reply));
    // A dead thread fails what it held and every later append: the node reports Unavailable-like
    // errors rather than hanging.
    const fail = (err: Error) => {
      this.broken = err;
      for (const w of this.waiting.values()) w.reject(err);
      this.waiting.clear();
    };
    this.worker.on("error", fail);
    this.worker.on("exit", (code) => fail(new Error(`the store's append thread exited (${code})`)));
  }

  /** Commits one batch on the append thread. */
  append(batch: NewMessage[]): Promise<(Appended | Error)[]> {
    if (this.broken) return Promise.reject(this.broken);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, batch });
    });
  }

  /** Stops the thread (after the store drained its appends). */
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
