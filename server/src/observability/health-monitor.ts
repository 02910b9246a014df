/** What a node's health is: serving, or not, and why. */
export interface Health {
  serving: boolean;
  /** Why the node is not serving ("draining", "store: timed out after 2000 ms"); empty when serving. */
  reason: string;
}

/** A check of one engine: resolves when the engine answered, rejects (or hangs) when it did not. */
export type Probe = () => Promise<unknown>;

/** Options of {@link HealthMonitor}. */
export interface HealthMonitorOptions {
  /** Named probes, e.g. `{ store, redis }`; each runs every `intervalMs` with its own deadline. */
  probes: Record<string, Probe>;
  /** How often the probes run. */
  intervalMs?: number;
  /** How long a probe may take before its engine counts as unreachable. */
  deadlineMs?: number;
  /** Hears about every change (a probe failing or recovering): for the log. */
  onChange?: (health: Health) => void;
}

/**
 * Whether this node should get traffic, from one place: the gRPC health service and `/healthz` both
 * answer from it, so a load balancer and a gRPC client never disagree. The node is not serving while
 * it drains (shutdown began: clients should go elsewhere) or while an engine it needs (the store,
 * Redis) does not answer a probe within its deadline: a node that cannot store or route messages
 * would only accept calls to fail them.
 *
 * Probes run in the background on a timer, so that a health check is answered at once from the last
 * result, and a flood of checks never becomes a flood of engine queries.
 */
export class HealthMonitor {
  private readonly probes: [string, Probe][];
  private readonly deadlineMs: number;
  private readonly onChange: (health: Health) => void;
  private readonly listeners = new Set<(health: Health) => void>();
  private readonly timer: NodeJS.Timeout;
  private failing = "";
  private draining = false;
  private probing = false;
  private last: Health = { serving: true, reason: "" };

  constructor(options: HealthMonitorOptions) {
    this.probes = Object.entries(options.probes);
    this.deadlineMs = options.deadlineMs ?? 2_000;
    this.onChange = options.onChange ?? (() => {});
    this.timer = setInterval(() => void this.probe(), options.intervalMs ?? 2_000).unref();
  }

  /** The health as of the last probe. */
  get health(): Health {
    return this.last;
  }

  /** Calls `listener` on every change of health until the returned function is called. */
  watch(listener: (health: Health) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Runs every probe now and updates the health; resolves the new health. Never rejects. */
  async probe(): Promise<Health> {
    if (this.probing) return this.last; // one round at a time: a hung engine must not pile probes up
    this.probing = true;
    try {
      const results = await Promise.all(this.probes.map(([name, probe]) => this.run(name, probe)));
      this.failing = results.filter((r) => r !== "").join("; ");
      this.update();
    } finally {
      this.probing = false;
    }
    return this.last;
  }

  /** Marks the node as draining (shutdown began): not serving from now on. */
  drain(): void {
    this.draining = true;
    this.update();
  }

  /** Stops the timer and forgets the listeners. */
  close(): void {
    clearInterval(this.timer);
    this.listeners.clear();
  }

  /** One probe with its deadline: "" when it answered, else why not. */
  private async run(name: string, probe: Probe): Promise<string> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve(`${name}: no answer within ${this.deadlineMs} ms`), this.deadlineMs);
    });
    try {
      return await Promise.race([probe().then(() => ""), deadline]);
    } catch (err) {
      return `${name}: ${err instanceof Error ? err.message : String(err)}`;
    } finally {
      clearTimeout(timer);
    }
  }

  private update(): void {
    const reason = this.draining ? "draining" : this.failing;
    if (reason === this.last.reason) return;
    this.last = { serving: reason === "", reason };
    this.onChange(this.last);
    for (const listener of this.listeners) listener(this.last);
  }
}
