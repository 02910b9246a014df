/**
 * Runs tasks with the same key one after another, tasks with different keys side by side. An entry
 * lives only while its key has work queued, so the map is bounded by the calls in flight.
 */
export class SerialQueues {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Runs `task` once every earlier task of `key` has settled; resolves or rejects as it does. */
  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.then(() => undefined, () => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Keys with work queued. */
  get size(): number {
    return this.tails.size;
  }
}
