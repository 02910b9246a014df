import type { ConnectError } from "@connectrpc/connect";

/**
 * The bounded queue of frames waiting to be written to one stream.
 *
 * The server never buffers without bound for a client that stops reading: when `capacity` frames are
 * waiting, the owner is told to close the stream, and the client must reconnect and resume.
 * Dropping the client rather than frames keeps delivery at least once (it replays from the store).
 */
export class Outbox<T> {
  private readonly items: T[] = [];
  private readonly capacity: number;
  private readonly overflow: () => void;
  private readonly stallMs: number;
  private wake: (() => void) | undefined;
  /** Bulk producers waiting for room; made on first use (an idle stream never has any). */
  private roomWaiters: (() => void)[] | undefined;
  private closedWith: ConnectError | null | undefined;

  /**
   * @param overflow is called instead of queuing when the client has fallen too far behind, and when
   *   a bulk producer has waited `stallMs` for room: a client that stops reading during a replay
   *   would otherwise hold its stream open forever.
   */
  constructor(capacity: number, stallMs: number, overflow: () => void) {
    this.capacity = capacity;
    this.stallMs = stallMs;
    this.overflow = overflow;
  }

  /** Frames waiting. */
  get size(): number {
    return this.items.length;
  }

  /** True once closed. */
  get closed(): boolean {
    return this.closedWith !== undefined;
  }

  /** Queues a frame; closes the outbox when it is full. */
  push(item: T): void {
    if (this.closed) return;
    if (this.items.length >= this.capacity) {
      this.overflow();
      return;
    }
    this.items.push(item);
    this.wake?.();
  }

  /**
   * Resolves, once at most half the capacity is in use (or the outbox closed), with how many frames
   * fit now: for bulk producers, which should take only part of it and leave the rest to live traffic.
   */
  async room(): Promise<number> {
    if (!this.closed && this.items.length > this.capacity / 2) {
      await new Promise<void>((resolve) => {
        const stalled = setTimeout(() => { this.overflow(); resolve(); }, this.stallMs);
        (this.roomWaiters ??= []).push(() => { clearTimeout(stalled); resolve(); });
      });
    }
    return this.capacity - this.items.length;
  }

  /** Ends the stream: normally with `null`, else with the error the client gets. Idempotent. */
  close(error: ConnectError | null): void {
    if (this.closed) return;
    this.closedWith = error;
    this.wake?.();
    this.releaseRoom();
  }

  /**
   * Yields what is queued as it comes, up to `max()` items at a time (a batch for one write). After
   * `close(null)` it yields what is queued, then ends; after `close(error)` it throws at once,
   * dropping what is queued (the client resumes from the store).
   */
  async *drain(max: () => number): AsyncGenerator<T[]> {
    for (;;) {
      if (this.closedWith) throw this.closedWith;
      if (this.items.length > 0) {
        const batch = this.items.splice(0, Math.max(1, max()));
        if (this.roomWaiters !== undefined && this.items.length <= this.capacity / 2) this.releaseRoom();
        yield batch;
        continue;
      }
      if (this.closedWith === null) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }

  private releaseRoom(): void {
    const waiters = this.roomWaiters;
    this.roomWaiters = undefined;
    for (const w of waiters ?? []) w();
  }
}
