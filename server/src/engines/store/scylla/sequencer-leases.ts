import { performance } from "node:perf_hooks";
import { types } from "cassandra-driver";
import { NotOwner } from "./append-route.ts";
import type { Cql } from "./cql.ts";

/** How long leases last and how they are kept; see docs/cluster.md for the argument. */
export interface LeaseTimings {
  /** A lease's length, from the moment its owner sent the statement that took or renewed it. */
  leaseMs: number;
  /** How often an owner renews its leases (a few times per lease). */
  renewMs: number;
  /**
   * The assumed bound on clock drift between nodes plus pause detection: an owner stops ACKing
   * this long before its lease ends by its own clock, the next owner waits this long after it ends.
   */
  marginMs: number;
}

/** Defaults: a crashed owner's conversations move within leaseMs + marginMs (7 s). */
export const defaultLeaseTimings: LeaseTimings = { leaseMs: 6_000, renewMs: 2_000, marginMs: 1_000 };

/** A lease this node holds: the right to sequence one slot's conversations. */
export interface Lease {
  slot: number;
  /** Fencing epoch: grows by one at every change of owner, never reused. */
  epoch: number;
  /** `performance.now()` until which this node may ACK what it wrote under the lease. */
  validUntil: number;
  /** `performance.now()` when it was taken: the origin of its write timestamps. */
  origin: number;
  /** The last write timestamp handed out under it. */
  last: bigint;
}

/** The current holder of a slot someone else holds, as last read. */
export interface ForeignLease {
  owner: string;
  /** Wall-clock end of the lease (ms since 1970), as its owner wrote it. */
  expiresAt: number;
}

/** Write timestamps stay below 2^40 µs past a lease's origin (12.7 days): renewals stop before. */
const maxLeaseAgeMs = 10 * 24 * 3600 * 1000;
const epochShift = 2n ** 40n;

/**
 * Leases on slots of conversations, one row per slot in `sequencer_leases`, written only with
 * lightweight transactions (never mixed with plain writes, whose timestamps would interleave with
 * Paxos ballots). Taking a free or expired slot bumps its epoch; the owner renews with
 * `IF owner = ? AND epoch = ?`, so a renewal after someone else took over fails and the old owner
 * learns it lost the slot.
 *
 * Everything a lease allows is bounded by the owner's monotonic clock ({@link valid}): an owner
 * paused past its lease wakes up with `validUntil` in the past and ACKs nothing more.
 */
export class SequencerLeases {
  readonly owner: string;
  private readonly cql: Cql;
  private readonly timings: LeaseTimings;
  private readonly held = new Map<number, Lease>();
  /** Other owners' leases as last read; bounded by the number of slots. */
  private readonly foreign = new Map<number, ForeignLease>();
  private readonly claims = new Map<number, Promise<Lease | ForeignLease>>();
  private readonly renewer: NodeJS.Timeout;

  /** @param owner this node's id and incarnation: a restarted node does not inherit its old leases. */
  constructor(cql: Cql, owner: string, timings: LeaseTimings, onError: (error: unknown) => void) {
    this.cql = cql;
    this.owner = owner;
    this.timings = timings;
    this.renewer = setInterval(() => this.renewAll().catch(onError), timings.renewMs).unref();
  }

  /** The lease this node holds on a slot and may still act on, if any. */
  valid(slot: number): Lease | undefined {
    const lease = this.held.get(slot);
    return lease && performance.now() < lease.validUntil ? lease : undefined;
  }

  /** True while `lease` is still this node's current, unexpired lease on its slot. */
  stillValid(lease: Lease): boolean {
    return this.held.get(lease.slot) === lease && performance.now() < lease.validUntil;
  }

  /**
   * Who holds a slot: this node (taking it if it is free, or its lease ended `marginMs` ago by this
   * node's clock), or another owner. A foreign lease is served from memory until {@link forget}.
   */
  claim(slot: number): Promise<Lease | ForeignLease> {
    const mine = this.valid(slot);
    if (mine) return Promise.resolve(mine);
    const known = this.foreign.get(slot);
    if (known && known.expiresAt + this.timings.marginMs > Date.now()) return Promise.resolve(known);
    let claim = this.claims.get(slot);
    if (!claim) {
      claim = this.take(slot).finally(() => this.claims.delete(slot));
      this.claims.set(slot, claim);
    }
    return claim;
  }

  /**
   * Notes that `owner` answered for `slot` with `leftMs` of its lease to run: routing to it goes on
   * from memory that long (plus the margin) instead of reading the row when the last read ends.
   * Without it every node read each foreign slot's row (a serial read, a Paxos round) once per
   * lease, and the sends of that slot waited for it. Only routing depends on this: an owner that
   * lost the slot meanwhile answers NotOwner, and the sender reads the row then.
   */
  confirm(slot: number, owner: string, leftMs: number): void {
    const known = this.foreign.get(slot);
    if (known?.owner !== owner) return;
    known.expiresAt = Math.max(known.expiresAt, Date.now() + leftMs);
  }

  /** Drops what this node believes about another owner's lease (it did not answer, or said no). */
  forget(slot: number): void {
    this.foreign.delete(slot);
  }

  /** A write timestamp under `lease`: its epoch first, then microseconds since it was taken, strictly growing. */
  timestamp(lease: Lease): types.Long {
    const micros = BigInt(Math.floor((performance.now() - lease.origin) * 1000));
    const ts = BigInt(lease.epoch) * epochShift + micros;
    lease.last = ts > lease.last ? ts : lease.last + 1n;
    return types.Long.fromString(lease.last.toString());
  }

  /** Stops renewing and gives every slot back, so that other nodes take over at once (shutdown). */
  async release(): Promise<void> {
    clearInterval(this.renewer);
    const leases = [...this.held.values()];
    this.held.clear(); // nothing more is ACKed under them
    await Promise.all(leases.map((l) => this.cql.cas(
      "UPDATE sequencer_leases SET expires_at = ? WHERE slot = ? IF owner = ? AND epoch = ?",
      [new Date(0), l.slot, this.owner, l.epoch])));
  }

  private async take(slot: number): Promise<Lease | ForeignLease> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const row = (await this.cql.serialRead("SELECT owner, epoch, expires_at FROM sequencer_leases WHERE slot = ?", [slot])).first();
      if (row) {
        const current = { owner: row.get("owner") as string, expiresAt: (row.get("expires_at") as Date).getTime() };
        // Our own incarnation's row: a take of ours that timed out was applied after all.
        if (current.owner === this.owner) return this.hold(slot, Number(row.get("epoch")), performance.now(), current.expiresAt - Date.now());
        if (current.expiresAt + this.timings.marginMs > Date.now()) return this.remember(slot, current);
      }
      const origin = performance.now();
      const expiresAt = new Date(Date.now() + this.timings.leaseMs);
      const epoch = row ? Number(row.get("epoch")) + 1 : 1;
      // The condition names the very lease judged ended, its end included: an owner that renews
      // between our read and this write (waking from a pause) keeps the slot, and we read again.
      // On the epoch alone, both would hold it: the old owner ACKing what our fence then hides.
      const result = row
        ? await this.cql.cas("UPDATE sequencer_leases SET owner = ?, epoch = ?, expires_at = ? WHERE slot = ? IF epoch = ? AND expires_at = ?",
          [this.owner, epoch, expiresAt, slot, epoch - 1, row.get("expires_at")])
        : await this.cql.cas("INSERT INTO sequencer_leases (slot, owner, epoch, expires_at) VALUES (?, ?, ?, ?) IF NOT EXISTS",
          [slot, this.owner, epoch, expiresAt]);
      if (result.applied) return this.hold(slot, epoch, origin, this.timings.leaseMs);
      // Another node won the race, or the owner renewed (a failed conditional UPDATE returns only
      // the compared columns): read the row again, now settled.
    }
    throw new NotOwner(`slot ${slot}: its lease keeps changing hands`);
  }

  /** Starts acting on a lease taken at `origin` (monotonic) that lasts `lengthMs` from then. */
  private hold(slot: number, epoch: number, origin: number, lengthMs: number): Lease {
    const lease: Lease = { slot, epoch, origin, last: 0n, validUntil: origin + lengthMs - this.timings.marginMs };
    this.held.set(slot, lease);
    this.foreign.delete(slot);
    return lease;
  }

  private remember(slot: number, lease: ForeignLease): ForeignLease {
    this.foreign.set(slot, lease);
    return lease;
  }

  /** Renews every held lease (every `renewMs`, or now); one that another node took meanwhile is dropped. */
  async renewAll(): Promise<void> {
    await Promise.all([...this.held.values()].map(async (lease) => {
      if (performance.now() - lease.origin > maxLeaseAgeMs) return; // lapses; the next take starts a new epoch
      const sentAt = performance.now();
      const result = await this.cql.cas("UPDATE sequencer_leases SET expires_at = ? WHERE slot = ? IF owner = ? AND epoch = ?",
        [new Date(Date.now() + this.timings.leaseMs), lease.slot, this.owner, lease.epoch]);
      if (this.held.get(lease.slot) !== lease) return;
      if (result.applied) lease.validUntil = Math.max(lease.validUntil, sentAt + this.timings.leaseMs - this.timings.marginMs);
      else this.held.delete(lease.slot);
    }));
  }
}
