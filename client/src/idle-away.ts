import type { AvailabilityName } from "./user-status.ts";

/** How to build an {@link IdleAway}. */
export interface IdleAwayOptions {
  /** Minutes without activity after which the user shows as away; 0 turns it off. */
  minutes: number;
  /** The user's availability now (what they chose, or what this set). */
  current(): AvailabilityName;
  /** Sets the availability on the server; a failure is the caller's to report. */
  set(availability: "away" | "online"): Promise<void>;
  /** Called when `set` fails (the next activity or idle check tries again). */
  onError?(err: unknown): void;
}

/**
 * "Away after N idle minutes", as every client does it: the screen reports activity (keys, clicks),
 * a timer notices the silence and sets away, the next activity sets online again. Only an online
 * user is made away, and only an away this set is undone: someone who chose busy, invisible or away
 * by hand keeps it.
 */
export class IdleAway {
  private readonly options: IdleAwayOptions;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private madeAway = false;

  constructor(options: IdleAwayOptions) {
    this.options = options;
  }

  /** Starts watching (call once the user's status is known). */
  start(): void {
    this.arm();
  }

  /** The person did something: back to online if this made them away, and the clock restarts. */
  activity(): void {
    if (this.madeAway) {
      this.madeAway = false;
      if (this.options.current() === "away") this.options.set("online").catch((err) => this.options.onError?.(err));
    }
    this.arm();
  }

  /** Stops the timer. */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    clearTimeout(this.timer);
    if (this.options.minutes <= 0) return;
    this.timer = setTimeout(() => this.idle(), this.options.minutes * 60_000);
    this.timer.unref?.();
  }

  private idle(): void {
    if (this.options.current() !== "online") return;
    this.madeAway = true;
    this.options.set("away").catch((err) => {
      this.madeAway = false;
      this.options.onError?.(err);
    });
  }
}
