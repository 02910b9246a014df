/**
 * Background work run every `intervalMs`, one pass at a time: a pass asked for while one runs joins
 * it rather than doubling it. The timer never keeps the process alive; a failed timed pass goes to
 * `onError` (a pass asked for by `run` rejects to its caller instead).
 */
export class PeriodicPass<T> {
  private readonly timer: NodeJS.Timeout;
  private running: Promise<T> | undefined;
  private readonly pass: () => Promise<T>;

  constructor(pass: () => Promise<T>, intervalMs: number, onError: (error: unknown) => void) {
    this.pass = pass;
    this.timer = setInterval(() => {
      this.run().catch(onError);
    }, intervalMs).unref();
  }

  /** Runs a pass now, or joins the one running. */
  run(): Promise<T> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  /** Stops the timer (a pass in flight finishes on its own). */
  close(): void {
    clearInterval(this.timer);
  }
}
