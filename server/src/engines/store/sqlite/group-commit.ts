/**
 * Batches the work submitted within one event-loop turn into a single call of `flush`, so that many
 * concurrent writes share one transaction (and one fsync). Each submitter gets its own result: a
 * flush returns an `Error` in the place of a write that failed alone, and throws when the whole
 * batch failed (then none of its writes was made).
 */
export class GroupCommit<In, Out> {
  private pending: { input: In; resolve: (o: Out) => void; reject: (e: unknown) => void }[] = [];
  private scheduled: Promise<void> | undefined;

  private readonly flushBatch: (batch: In[]) => (Out | Error)[];

  /** @param flushBatch runs one batch; returns one result (or Error) per input, in order. */
  constructor(flushBatch: (batch: In[]) => (Out | Error)[]) {
    this.flushBatch = flushBatch;
  }

  /** Queues one write; resolves when its batch is committed. */
  submit(input: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.pending.push({ input, resolve, reject });
      this.scheduled ??= new Promise<void>((done) => setImmediate(() => { this.flush(); done(); }));
    });
  }

  /** Resolves once every queued write is committed. */
  async drain(): Promise<void> {
    while (this.scheduled) await this.scheduled;
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    this.scheduled = undefined;
    try {
      const results = this.flushBatch(batch.map((p) => p.input));
      batch.forEach((p, i) => {
        const r = results[i]!;
        if (r instanceof Error) p.reject(r);
        else p.resolve(r);
      });
    } catch (err) {
      batch.forEach((p) => p.reject(err));
    }
  }
}
