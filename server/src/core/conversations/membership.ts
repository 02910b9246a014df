import type { MemberRecord, Store } from "../../engines/store/interface.ts";
import { notFound } from "../errors.ts";
import { LruMap } from "../lru-map.ts";
import { requireId } from "../validate.ts";

/**
 * Who belongs to which conversation: read on every send, receipt and typing frame, so it is cached.
 *
 * The cache is invalidated by every membership change, on every node (through the control plane);
 * entries also expire after `ttlMs`, which bounds how long a change can go unseen on a node that
 * missed the command (it was cut off from Redis). Clients name the ids, and a NotFound answer is
 * cached too, so the cache is an LRU of at most `capacity` conversations.
 */
export class Membership {
  private readonly store: Store;
  private readonly ttlMs: number;
  private readonly cache: LruMap<string, { members: MemberRecord[]; expires: number; loading?: Promise<MemberRecord[]> }>;

  constructor(store: Store, ttlMs: number, capacity = 20_000) {
    this.store = store;
    this.ttlMs = ttlMs;
    this.cache = new LruMap(capacity);
  }

  /** Conversations cached (at most the capacity). */
  get size(): number {
    return this.cache.size;
  }

  /** The members of a conversation (empty when it does not exist). */
  async members(conversationId: string): Promise<MemberRecord[]> {
    const hit = this.cache.get(conversationId);
    if (hit && hit.expires > Date.now()) return hit.loading ?? hit.members;
    const loading = this.store.listMembers(conversationId);
    this.cache.set(conversationId, { members: [], expires: Date.now() + this.ttlMs, loading });
    try {
      const members = await loading;
      const entry = this.cache.get(conversationId);
      if (entry?.loading === loading) this.cache.set(conversationId, { members, expires: entry.expires });
      return members;
    } catch (err) {
      if (this.cache.get(conversationId)?.loading === loading) this.cache.delete(conversationId); // a failure is not cached
      throw err;
    }
  }

  /**
   * The members of a conversation the caller belongs to. NotFound otherwise, with the same message
   * whether the conversation is missing or foreign, so that ids of others' conversations leak nothing.
   */
  async require(conversationId: string, userId: string): Promise<MemberRecord[]> {
    requireId(conversationId, "conversation_id");
    const members = await this.members(conversationId);
    if (!members.some((m) => m.userId === userId)) throw notFound(`conversation ${conversationId} not found`);
    return members;
  }

  /** Drops a cached member list after a change. */
  invalidate(conversationId: string): void {
    this.cache.delete(conversationId);
  }
}
