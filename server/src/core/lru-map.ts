/**
 * A map that keeps at most `capacity` entries, forgetting the least recently used one first. Every
 * cache keyed by something a client names (a conversation id, a device id) is one of these, so that
 * a client naming many ids cannot grow the node's memory without bound.
 */
export class LruMap<K, V> {
  private readonly capacity: number;
  // A Map iterates in insertion order: re-inserting on use keeps the least recently used first.
  private readonly entries = new Map<K, V>();

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`LRU capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
  }

  /** The value for `key`, which becomes the most recently used; undefined when absent. */
  get(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  /** Stores a value as the most recently used, evicting the least recently used beyond capacity. */
  set(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as K);
  }

  /** Forgets a key; true when it was there. */
  delete(key: K): boolean {
    return this.entries.delete(key);
  }

  /** Entries held (never more than the capacity). */
  get size(): number {
    return this.entries.size;
  }
}
