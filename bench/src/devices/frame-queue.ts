/**
 * An unbounded async iterable that frames are pushed into: the request side of a bidirectional
 * stream. Unlike connect's `createWritableIterable`, a push costs no promise, so that an open-loop
 * burst of sends on one device stays cheap.
 */
export class FrameQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private waiting: ((r: IteratorResult<T>) => void) | undefined;
  private ended = false;

  /** Queues a frame; ignored once ended. */
  push(item: T): void {
    if (this.ended) return;
    const waiter = this.waiting;
    if (waiter) {
      this.waiting = undefined;
      waiter({ done: false, value: item });
    } else {
      this.items.push(item);
    }
  }

  /** Ends the iterable after the queued frames. */
  end(): void {
    this.ended = true;
    const waiter = this.waiting;
    this.waiting = undefined;
    waiter?.({ done: true, value: undefined });
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        if (this.items.length > 0) return Promise.resolve({ done: false, value: this.items.shift()! });
        if (this.ended) return Promise.resolve({ done: true, value: undefined });
        return new Promise((resolve) => (this.waiting = resolve));
      },
      // The transport calls these when the call ends early; both just end the queue.
      return: () => {
        this.end();
        return Promise.resolve({ done: true, value: undefined });
      },
      throw: () => {
        this.end();
        return Promise.resolve({ done: true, value: undefined });
      },
    };
  }
}
