import { cpuSeconds, rssBytes } from "./process-stats.ts";

/** What the server processes used while a step ran. */
export interface ServerUsage {
  /** CPU of all nodes, in % of one core. */
  cpuPercent: number;
  /** CPU of the nodes' main threads (their event loops) alone, in % of one core; the rest is other threads (the embedded store's writer, GC). */
  mainThreadCpuPercent: number;
  cpuSeconds: number;
  /** Highest summed RSS seen. */
  rssMaxBytes: number;
  /** Summed RSS at the end. */
  rssBytes: number;
}

/**
 * Watches processes (the servers the bench started, or its own load agents) during a step: CPU time from /proc/<pid>/stat and
 * resident memory (VmRSS) sampled every half second. Without pids (a `--url` run) it reports zeros.
 */
export class ServerMonitor {
  private readonly pids: () => number[];
  private startCpu = 0;
  private startMainCpu = 0;
  private startMs = 0;
  private rssMax = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(pids: () => number[]) {
    this.pids = pids;
  }

  /** Summed RSS of the server processes now. */
  rss(): number {
    return this.pids().reduce((sum, pid) => sum + rssBytes(pid), 0);
  }

  /** Summed CPU seconds of the server processes so far. */
  cpu(): number {
    return this.pids().reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  }

  /** Summed CPU seconds of the server processes' main threads so far. */
  mainThreadCpu(): number {
    return this.pids().reduce((sum, pid) => sum + cpuSeconds(pid, pid), 0);
  }

  start(): void {
    this.startCpu = this.cpu();
    this.startMainCpu = this.mainThreadCpu();
    this.startMs = performance.now();
    this.rssMax = this.rss();
    this.timer = setInterval(() => (this.rssMax = Math.max(this.rssMax, this.rss())), 500);
  }

  stop(): ServerUsage {
    clearInterval(this.timer);
    const used = this.cpu() - this.startCpu;
    const usedMain = this.mainThreadCpu() - this.startMainCpu;
    const seconds = (performance.now() - this.startMs) / 1000;
    const percent = (s: number) => (seconds > 0 ? Math.round((s / seconds) * 1000) / 10 : 0);
    const rss = this.rss();
    return { cpuPercent: percent(used), mainThreadCpuPercent: percent(usedMain), cpuSeconds: used, rssMaxBytes: Math.max(this.rssMax, rss), rssBytes: rss };
  }
}
