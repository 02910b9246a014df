import type { Store } from "../engines/store/interface.ts";
import type { Uploads } from "./uploads.ts";

/** Options of {@link UploadExpiry}. */
export interface UploadExpiryOptions {
  /** An upload not sent within this long is deleted. */
  expiryMs: number;
  /** How often to look; 10 minutes by default. */
  intervalMs?: number;
  /** Uploads deleted per pass at most, so that one pass stays short; the next pass takes the rest. */
  batch?: number;
  onError: (error: unknown) => void;
}

/**
 * Deletes uploads never sent (finished or not) once they are `expiryMs` old: their blobs, then their
 * records. Runs on every node; two nodes deleting one upload both succeed (deletes are idempotent).
 */
export class UploadExpiry {
  private readonly timer: NodeJS.Timeout;
  private running: Promise<number> | undefined;

  private readonly store: Store;
  private readonly uploads: Uploads;
  private readonly options: UploadExpiryOptions;

  constructor(store: Store, uploads: Uploads, options: UploadExpiryOptions) {
    this.store = store;
    this.uploads = uploads;
    this.options = options;
    this.timer = setInterval(() => {
      this.sweep().catch((err: unknown) => options.onError(err));
    }, options.intervalMs ?? 600_000);
    this.timer.unref();
  }

  /** One pass; resolves how many uploads it deleted. A pass already running is joined, not doubled. */
  sweep(): Promise<number> {
    this.running ??= this.sweepNow().finally(() => (this.running = undefined));
    return this.running;
  }

  private async sweepNow(): Promise<number> {
    const cutoff = new Date(Date.now() - this.options.expiryMs);
    const expired = await this.store.listUnsentUploadsBefore(cutoff, this.options.batch ?? 200);
    for (const upload of expired) await this.uploads.remove(upload);
    return expired.length;
  }

  /** Stops the timer (a pass in flight finishes on its own). */
  close(): void {
    clearInterval(this.timer);
  }
}
