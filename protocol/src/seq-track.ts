/** Anything that has a seq: messages, mostly. */
export interface Sequenced {
  seq: bigint;
}

/** Items held ahead of a gap per conversation; beyond it they are dropped and re-read with the gap. */
const maxAhead = 1_000;

/**
 * The order of one conversation as one reader sees it: the highest seq passed on (`seq`), and items
 * that arrived ahead of a gap, held until it is filled. The server keeps one per stream and
 * conversation, a client one per conversation; both fill gaps by reading the store, which is always
 * correct because every message is durable before it is published.
 *
 * Pure bookkeeping, no I/O: each method returns the items that are now next in line, in order.
 */
export class SeqTrack<T extends Sequenced> {
  /** Highest seq passed on, contiguous from where the track started. */
  seq: bigint;
  private readonly ahead = new Map<bigint, T>();

  /** @param seq the seq already held (0n: nothing yet). */
  constructor(seq: bigint) {
    this.seq = seq;
  }

  /** True while items wait ahead of a gap. */
  get hasGap(): boolean {
    return this.ahead.size > 0;
  }

  /** The lowest seq waiting ahead of the gap, if any: the gap ends just before it. */
  get gapEnd(): bigint | undefined {
    let min: bigint | undefined;
    for (const seq of this.ahead.keys()) if (min === undefined || seq < min) min = seq;
    return min;
  }

  /** Takes a live item: drops it if already passed on, holds it if a gap is before it. */
  offer(item: T): T[] {
    if (item.seq <= this.seq) return [];
    if (item.seq !== this.seq + 1n || this.ahead.size > 0) {
      if (this.ahead.size < maxAhead) this.ahead.set(item.seq, item);
      return this.release();
    }
    this.seq = item.seq;
    return [item];
  }

  /** Takes a page read from the store, oldest first. */
  fill(page: readonly T[]): T[] {
    const out: T[] = [];
    for (const item of page) {
      if (item.seq !== this.seq + 1n) continue;
      this.seq = item.seq;
      out.push(item);
    }
    return out.concat(this.release());
  }

  /** Moves the track forward to `seq` (a client says it holds up to there); never backward. */
  raise(seq: bigint): T[] {
    if (seq > this.seq) this.seq = seq;
    return this.release();
  }

  /** Passes on what waited ahead and now follows `seq` without a gap. */
  private release(): T[] {
    const out: T[] = [];
    for (const seq of this.ahead.keys()) if (seq <= this.seq) this.ahead.delete(seq);
    for (let next = this.ahead.get(this.seq + 1n); next; next = this.ahead.get(this.seq + 1n)) {
      this.ahead.delete(next.seq);
      this.seq = next.seq;
      out.push(next);
    }
    return out;
  }
}
