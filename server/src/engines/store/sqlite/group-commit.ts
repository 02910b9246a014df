/**
 * Group commit: the writes submitted in one event-loop turn go out together as one batch, at the
 * end of the turn, whether or not earlier batches are still being committed. The committer (the
 * writer thread) takes every batch that queued while it was busy into its next transaction, so
 * that many concurrent writes share one fsync and batches grow by themselves as load grows.
 *
 * Batches are handed over without waiting for the previous one's answer: a reply that reaches a
 * busy event loop (a long turn, a GC pause) no longer holds the next commit back. The order of
 * writes is kept because `flushBatch` applies the batches in the order it is called (the writer
 * thread's port is first in, first out; the in-memory store commits synchronously).
 *
 * Each submitter gets its own result: a flush returns an `Error` in the place of a write that failed
 * alone, and rejects when the whole batch failed (then none of its writes was made).
 */
export class GroupCommit<In, Out> {
  private pending: { input: In; resolve: (o: Out) => void; reject: (e: unknown) => void }[] = [];
  private scheduled = false;
  /** Flushes handed over and not yet answered. */
  private readonly inFlight = new Set<Promise<void>>();
  private readonly flushBatch: (batch: In[]) => Promise<(Out | Error)[]>;

  /** @param flushBatch commits one batch; resolves one result (or Error) per input, in order; batches are applied in call order. */
  constructor(flushBatch: (batch: In[]) => Promise<(Out | Error)[]>) {
    this.flushBatch = flushBatch;
  }

  /** Queues one write; resolves when its batch is committed. */
  submit(input: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.pending.push({ input, resolve, reject });
      // The first write of a turn waits for the rest of the turn's writes to join it.
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Resolves once every queued write is committed. */
  async drain(): Promise<void> {
    while (this.scheduled || this.inFlight.size > 0) {
      if (this.inFlight.size > 0) await Promise.all(this.inFlight);
      else await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    const answered = this.flushBatch(batch.map((p) => p.input)).then((results) => {
      batch.forEach((p, i) => {
        const r = results[i]!;
        if (r instanceof Error) p.reject(r);
        else p.resolve(r);
      });
    }, (err: unknown) => {
      for (const p of batch) p.reject(err);
    }).finally(() => this.inFlight.delete(answered));
    this.inFlight.add(answered);
  }
}
