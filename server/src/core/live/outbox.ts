import type { ConnectError } from "@connectrpc/connect";

/**
 * Takes one batch of frames for the stream; returns a promise when no more may be written until it
 * settles (the stream's buffer is full, or the batch is being compressed), else nothing.
 */
export type OutboxWrite<T> = (batch: T[]) => Promise<void> | undefined;

/**
 * The bounded queue of frames waiting to be written to one stream.
 *
 * The server never buffers without bound for a client that stops reading: when `capacity` frames are
 * waiting, the owner is told to close the stream, and the client must reconnect and resume.
 * Dropping the client rather than frames keeps delivery at least once (it replays from the store).
 *
 * Read it one of two ways, once: {@link pipe} hands each turn's frames to the stream's writer (the
 * gRPC fast path: no promise or generator step per batch), {@link drain} is an async iterable of the
 * same batches (connect-node's response pipeline).
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
  /** The writer frames are pushed to, once {@link pipe} is called. */
  private piped: OutboxPipe<T> | undefined;

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
    this.piped?.schedule();
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
    this.piped?.schedule();
    this.releaseRoom();
  }

  /**
   * Hands what is queued to `write` at once, then frames as they come, up to `max()` per batch, in a
   * promise job after the one that queued them, as an iteration would take them (the writer corks a
   * turn's batches into one write); while a write's promise is pending, frames wait here. Resolves after `close(null)` once what is queued is written;
   * rejects with the error after `close(error)`, dropping what is queued (the client resumes from the
   * store), or with what `write` threw.
   */
  pipe(write: OutboxWrite<T>, max: () => number): Promise<void> {
    if (this.piped) throw new Error("an outbox is piped once");
    return new Promise<void>((resolve, reject) => {
      this.piped = new OutboxPipe(this, write, max, resolve, reject);
      // What is queued already goes at once, as the first step of an iteration takes it: a close
      // with an error a moment later must not drop frames (Ready) the client would have had.
      this.piped.flush();
    });
  }

  /**
   * The pipe's turn: writes batches until the queue is empty or a write asks to wait. Returns the
   * promise to wait for, or whether the outbox has ended (`closedWith` then says how).
   */
  writeQueued(write: OutboxWrite<T>, max: number): Promise<void> | boolean {
    for (;;) {
      if (this.closedWith) {
        this.items.length = 0;
        return true;
      }
      if (this.items.length === 0) return this.closedWith === null;
      const pending = write(this.take(max));
      if (pending !== undefined) return pending;
    }
  }

  /** How the outbox ended: null when closed normally (undefined while open). */
  get endedWith(): ConnectError | null | undefined {
    return this.closedWith;
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
        yield this.take(max());
        continue;
      }
      if (this.closedWith === null) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }

  /** The next batch of at most `max` frames (at least one), letting bulk producers go on once there is room. */
  private take(max: number): T[] {
    const batch = this.items.splice(0, Math.max(1, max));
    if (this.roomWaiters !== undefined && this.items.length <= this.capacity / 2) this.releaseRoom();
    return batch;
  }

  private releaseRoom(): void {
    const waiters = this.roomWaiters;
    this.roomWaiters = undefined;
    for (const w of waiters ?? []) w();
  }
}

/** A piped outbox's writer and its state (see Outbox.pipe): made once per stream, nothing per batch. */
class OutboxPipe<T> {
  private scheduled = false;
  private waiting = false;
  private finished = false;
  /** Made once per stream: the scheduled flush. */
  private readonly onJob = () => this.flush();

  private readonly outbox: Outbox<T>;
  private readonly write: OutboxWrite<T>;
  private readonly max: () => number;
  private readonly resolve: () => void;
  private readonly reject: (error: unknown) => void;

  constructor(outbox: Outbox<T>, write: OutboxWrite<T>, max: () => number, resolve: () => void, reject: (error: unknown) => void) {
    this.outbox = outbox;
    this.write = write;
    this.max = max;
    this.resolve = resolve;
    this.reject = reject;
  }

  /** Writes in a promise job after this one, unless a write is pending or a flush already due. */
  schedule(): void {
    if (this.scheduled || this.waiting || this.finished) return;
    this.scheduled = true;
    queueMicrotask(this.onJob);
  }

  /** Writes what is queued; settles the pipe once the outbox has ended. */
  flush(): void {
    this.scheduled = false;
    if (this.finished) return;
    let result: Promise<void> | boolean;
    try {
      result = this.outbox.writeQueued(this.write, this.max());
    } catch (err) {
      return this.finish(err);
    }
    if (result === false) return;
    if (result === true) return this.finish(this.outbox.endedWith);
    this.waiting = true;
    result.then(() => {
      this.waiting = false;
      this.flush();
    }, (err: unknown) => this.finish(err));
  }

  private finish(error: unknown): void {
    this.finished = true;
    if (error) this.reject(error);
    else this.resolve();
  }
}

