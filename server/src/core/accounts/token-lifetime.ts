import type { DeviceRecord, Store } from "../../engines/store/interface.ts";
import { unauthenticated } from "../errors.ts";
import { LruMap } from "../lru-map.ts";

/** Options of {@link TokenLifetime}. */
export interface TokenLifetimeOptions {
  /** A device unused for this long is logged out (its token refused, its row deleted). */
  idleExpiryMs: number;
  /** The clock (tests move it); `Date.now` by default. */
  now?: () => number;
  /** Hears failures of the periodic cleanup, which concern no client. */
  onError?: (error: unknown) => void;
}

/** The most a last use is recorded: a write per device per this long, not one per call. */
const maxRecordEveryMs = 10 * 60_000;
/** The longest wait between two cleanup passes. */
const maxCleanupEveryMs = 60 * 60_000;
/** Devices deleted per store call of a cleanup pass (a pass repeats until fewer are left). */
const cleanupBatch = 1_000;
/** Devices whose last recorded use this node remembers for live streams (bounded: keyed by what clients present). */
const rememberedDevices = 100_000;

/**
 * Token lifetime: a device token expires after `idleExpiryMs` without a call. Uses are recorded
 * coarsely, at most once per `recordEveryMs` per device (a twentieth of the expiry, at most 10
 * minutes), so that the expiry costs no write per request; a device is therefore logged out
 * between `idleExpiryMs` and `idleExpiryMs + recordEveryMs` after its last call. A periodic pass
 * deletes the rows of expired devices. Bot tokens are API tokens: their use is recorded, but they
 * never expire (their owner revokes them).
 */
export class TokenLifetime {
  /** How stale a recorded use may get before a call records a new one. */
  readonly recordEveryMs: number;
  private readonly store: Store;
  private readonly idleExpiryMs: number;
  private readonly now: () => number;
  private readonly onError: (error: unknown) => void;
  /** When this node last recorded each streaming device's use. */
  private readonly recorded = new LruMap<string, number>(rememberedDevices);
  private readonly cleanupTimer: NodeJS.Timeout;
  private sweeping: Promise<number> | undefined;

  constructor(store: Store, options: TokenLifetimeOptions) {
    this.store = store;
    this.idleExpiryMs = options.idleExpiryMs;
    this.now = options.now ?? Date.now;
    this.onError = options.onError ?? (() => {});
    this.recordEveryMs = Math.max(1, Math.min(maxRecordEveryMs, Math.floor(options.idleExpiryMs / 20)));
    const every = Math.min(maxCleanupEveryMs, Math.max(1_000, Math.floor(options.idleExpiryMs / 10)));
    this.cleanupTimer = setInterval(() => {
      this.sweep().catch((err: unknown) => this.onError(new Error("the cleanup of expired devices failed; the next pass retries", { cause: err })));
    }, every).unref();
  }

  /**
   * Checks a device a token was found for: Unauthenticated (and the device deleted) when it went
   * unused past the expiry; otherwise its use is recorded when the recorded one is stale.
   */
  async check(device: DeviceRecord, bot: boolean): Promise<void> {
    const now = this.now();
    const last = device.lastUsedAt?.getTime();
    if (!bot && last !== undefined && now - last > this.idleExpiryMs) {
      await this.store.deleteDevice(device.userId, device.deviceId);
      const days = Math.round(this.idleExpiryMs / 86_400_000);
      throw unauthenticated(`this device's session expired after ${days >= 1 ? `${days} days` : `${this.idleExpiryMs} ms`} without use; log in again`);
    }
    if (last === undefined || now - last >= this.recordEveryMs) await this.record(device.userId, device.deviceId, now);
  }

  /**
   * Records a use by a device whose token was checked before (a live stream's heartbeat: a stream
   * may stay open longer than the expiry without another call). Resolves with when its use was last
   * recorded, so that a stream can skip asking again until `recordEveryMs` after that.
   */
  async noteUse(userId: string, deviceId: string): Promise<number> {
    const now = this.now();
    const last = this.recorded.get(`${userId}/${deviceId}`) ?? 0;
    if (now - last < this.recordEveryMs) return last;
    await this.record(userId, deviceId, now);
    return now;
  }

  /** Deletes every device unused past the expiry; resolves how many. One pass at a time per node. */
  sweep(): Promise<number> {
    this.sweeping ??= this.deleteExpired().finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  /** Stops the periodic cleanup. */
  close(): void {
    clearInterval(this.cleanupTimer);
  }

  private async record(userId: string, deviceId: string, now: number): Promise<void> {
    await this.store.touchDevice(userId, deviceId, new Date(now));
    // Only once written: a failed write is tried again at the next use.
    this.recorded.set(`${userId}/${deviceId}`, now);
  }

  private async deleteExpired(): Promise<number> {
    const cutoff = new Date(this.now() - this.idleExpiryMs);
    let total = 0;
    for (;;) {
      const deleted = await this.store.deleteDevicesUnusedSince(cutoff, cleanupBatch);
      total += deleted.length;
      if (deleted.length < cleanupBatch) return total;
    }
  }
}
