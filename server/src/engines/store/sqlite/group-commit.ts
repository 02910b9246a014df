/**
 * Group commit: the writes submitted while the previous batch is being committed go together into
 * the next one, so that many concurrent writes share one transaction (and one fsync), and batches
 * grow by themselves as load grows. At most one batch is in flight, which keeps writes in the order
 * they were submitted.
 *
 * Each submitter gets its own result: a flush returns an `Error` in the place of a write that failed
 * alone, and rejects when the whole batch failed (then none of its writes was made).
 */
export class GroupCommit<In, Out> {
  private pending: { input: In; resolve: (o: Out) => void; reject: (e: unknown) => void }[] = [];
  private inFlight: Promise<void> | undefined;
  private readonly flushBatch: (batch: In[]) => Promise<(Out | Error)[]>;

  /** @param flushBatch commits one batch; resolves one result (or Error) per input, in order. */
  constructor(flushBatch: (batch: In[]) => Promise<(Out | Error)[]>) {
    this.flushBatch = flushBatch;
  }

  /** Queues one write; resolves when its batch is committed. */
  submit(input: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.pending.push({ input, resolve, reject });
      // The first write of an idle pipeline waits one event-loop turn for company.
      this.inFlight ??= new Promise<void>((started) => setImmediate(started)).then(() => this.run());
    });
  }

  /** Resolves once every queued write is committed. */
  async drain(): Promise<void> {
    while (this.inFlight !== undefined) await this.inFlight;
  }

  private async run(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      try {
        const results = await this.flushBatch(batch.map((p) => p.input));
        batch.forEach((p, i) => {
          const r = results[i]!;
          if (r instanceof Error) p.reject(r);
          else p.resolve(r);
        });
      } catch (err) {
        batch.forEach((p) => p.reject(err));
      }
    }
    this.inFlight = undefined;
  }
}
