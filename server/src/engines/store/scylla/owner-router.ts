import { hash } from "node:crypto";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { type NewMessage, StoreUnavailable, type UpdateRefusal } from "../interface.ts";
import { type Appended, type AppendRoute, ForwardedError, ForwardFailed, NotOwner } from "./append-route.ts";
import type { MessageLog } from "./message-log.ts";
import type { LeaseTimings, SequencerLeases } from "./sequencer-leases.ts";

/**
 * Slots conversations are hashed into, each with one lease: few enough that renewing them costs
 * little (an owner renews its slots every renewMs), enough to spread conversations over nodes.
 * Fixed for the life of a keyspace: changing it would give a conversation two slots, two owners.
 */
export const sequencerSlots = 32;

/**
 * The slot of a conversation: the first 4 bytes of its id's SHA-1, big-endian, modulo the slots
 * (every node of every release must agree). One-shot `hash` rather than a Hash object per call:
 * it was 3 % of a cluster node's busy CPU, once per append and once more at the owner.
 */
export function slotOf(conversationId: string): number {
  return hash("sha1", conversationId, "buffer").readUInt32BE(0) % sequencerSlots;
}

/**
 * Sends each append to the node that sequences its conversation: this node when it holds the
 * slot's lease (or can take it: free, or expired by leaseMs + marginMs), else the holder over the
 * {@link AppendRoute}. A holder that does not answer in time, or answers that it no longer holds
 * the slot, sends the append back to the lease row; past a deadline of a lease and a half the
 * append fails with StoreUnavailable, and the client retries it with the same id.
 */
export class OwnerRouter {
  private readonly leases: SequencerLeases;
  private readonly log: MessageLog;
  private readonly route: AppendRoute;
  private readonly deadlineMs: number;
  private readonly forwardTimeoutMs: number;

  constructor(leases: SequencerLeases, log: MessageLog, route: AppendRoute, timings: LeaseTimings) {
    this.leases = leases;
    this.log = log;
    this.route = route;
    this.deadlineMs = timings.leaseMs + timings.marginMs * 2 + timings.renewMs;
    this.forwardTimeoutMs = timings.renewMs;
  }

  /** Serves the appends other nodes forward to this one. */
  serve(nodeId: string): Promise<void> {
    return this.route.serve(nodeId, (m) => {
      const lease = this.leases.valid(slotOf(m.conversationId));
      if (!lease) return Promise.reject(new NotOwner(`this node does not sequence slot ${slotOf(m.conversationId)}`));
      return this.log.append(m, lease).then((a) => ({ ...a, leaseLeftMs: lease.validUntil - performance.now() }));
    });
  }

  /** Appends a message at its conversation's owner, wherever that is. */
  async append(m: NewMessage): Promise<Appended> {
    const slot = slotOf(m.conversationId);
    const deadline = Date.now() + this.deadlineMs;
    let last: Error | undefined;
    for (let attempt = 0; Date.now() < deadline; attempt++) {
      if (attempt > 0) await sleep(Math.min(50 * 2 ** attempt, 500));
      try {
        const holder = await this.leases.claim(slot);
        if ("epoch" in holder) return await this.log.append(m, holder);
        return await this.forwarded(slot, holder.owner, m);
      } catch (err) {
        if (!(err instanceof NotOwner || err instanceof ForwardFailed)) throw err;
        this.leases.forget(slot);
        last = err;
      }
    }
    throw new StoreUnavailable(`no node could sequence this conversation in ${this.deadlineMs} ms (${last?.message}); retry`);
  }

  private async forwarded(slot: number, owner: string, m: NewMessage): Promise<Appended> {
    try {
      const { leaseLeftMs, ...result } = await this.route.forward(nodeOf(owner), m, this.forwardTimeoutMs);
      // The owner proved its lease just now: no need to read the lease row when the cached one ends.
      if (leaseLeftMs !== undefined) this.leases.confirm(slot, owner, leaseLeftMs);
      return result;
    } catch (err) {
      if (!(err instanceof ForwardedError)) throw err;
      if (err.kind === "refused") return { refused: err.message as UpdateRefusal };
      if (err.kind === "notOwner") throw new NotOwner(err.message);
      throw err.kind === "unavailable" ? new StoreUnavailable(err.message) : new Error(err.message);
    }
  }
}

/** The node id part of a lease owner (`<node id>/<incarnation>`): where forwards go. */
export function nodeOf(owner: string): string {
  const cut = owner.lastIndexOf("/");
  return cut < 0 ? owner : owner.slice(0, cut);
}
