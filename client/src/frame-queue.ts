/**
 * An async iterable its owner pushes into: the outgoing half of a bidirectional stream, which a
 * Connect client reads with `for await` while the application keeps adding frames.
 */
export class FrameQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private wake: (() => void) | undefined;
  private ended = false;

  /** Queues an item; false once the queue has ended (the stream is gone, the item is dropped). */
  push(item: T): boolean {
    if (this.ended) return false;
    this.items.push(item);
    this.signal();
    return true;
  }

  /** Ends the iteration after the items already queued. */
  end(): void {
    this.ended = true;
    this.signal();
  }

  /** True once `end()` was called. */
  get isEnded(): boolean {
    return this.ended;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      const item = this.items.shift();
      if (item !== undefined) {
        yield item;
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private signal(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
