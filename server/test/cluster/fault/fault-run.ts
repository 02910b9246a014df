import { setTimeout as sleep } from "node:timers/promises";
import type { ChatLoad } from "./chat-load.ts";
import type { ClusterRig } from "./cluster-rig.ts";

/**
 * One fault of the suite: what breaks, for how long, and how it is mended. Add one by writing an
 * object (see faults.ts); {@link runFault} does the rest (load before, during and after, the checks).
 */
export interface Fault {
  name: string;
  /** Breaks something; resolves once it is broken. */
  inject(rig: ClusterRig): Promise<void>;
  /** How long the fault lasts, under load, before {@link heal}. */
  durationMs: number;
  /** Mends it (restart, SIGCONT...); resolves once that is done. */
  heal(rig: ClusterRig): Promise<void>;
}

/** What one fault did to the traffic sent while it ran (its warm-up, the fault, the recovery). */
export interface FaultReport {
  fault: string;
  /** Sends the clients issued. */
  sent: number;
  /** Of those, ACKed (every send is retried with its id until ACKed). */
  acked: number;
  /** Sends the client library gave up on (a non-transient refusal): should be 0. */
  failed: number;
  /** Device-messages handed to applications meanwhile. */
  delivered: number;
  /** ACKed messages missing from the store or from a member device (one per device). */
  lost: number;
  /** ACKed messages a search for one of their words does not find. */
  unfindable: number;
  /** A message stored at two seqs, or handed twice to one device. */
  duplicated: number;
  /** A device handed a message that is not the next seq of its conversation. */
  reordered: number;
  /** A device handed a different message at a seq than the store holds there. */
  diverged: number;
  /** Fault start until every conversation had ACKed a message sent after the start. */
  recoveryMs: number;
}

/** Timing of {@link runFault}; the defaults suit 2 busy cores. */
export interface FaultRunOptions {
  /** Load before the fault. */
  warmMs?: number;
  /** Load after healing, before the load stops. */
  afterMs?: number;
  /** How long the last sends may take to be ACKed, and the devices to catch up. */
  settleMs?: number;
}

/**
 * Runs the load, injects the fault, heals it, lets the load run on, then waits for every send to be
 * ACKed and every device to catch up, and judges the messages sent meanwhile against the store.
 */
export async function runFault(rig: ClusterRig, load: ChatLoad, fault: Fault, options: FaultRunOptions = {}): Promise<FaultReport> {
  const { warmMs = 3_000, afterMs = 4_000, settleMs = 45_000 } = options;
  const firstSend = load.sends.length;
  const deliveredBefore = load.delivered;
  load.run();
  await sleep(warmMs);
  const start = Date.now();
  await fault.inject(rig);
  await sleep(fault.durationMs);
  await fault.heal(rig);
  await sleep(afterMs);
  load.pause();
  await load.drained(settleMs);
  await load.converged(settleMs);
  return { fault: fault.name, ...(await judge(load, firstSend)), delivered: load.delivered - deliveredBefore, recoveryMs: recovery(load, firstSend, start) };
}

/** Checks the sends from `firstSend` on against the store and every member device. */
async function judge(load: ChatLoad, firstSend: number): Promise<Omit<FaultReport, "fault" | "delivered" | "recoveryMs">> {
  const sends = load.sends.slice(firstSend);
  const ours = new Set(sends.map((s) => s.clientMessageId));
  const out = { sent: sends.length, acked: 0, failed: 0, lost: 0, unfindable: 0, duplicated: 0, reordered: 0, diverged: 0 };
  for (const s of sends) {
    if (s.seq !== undefined) out.acked++;
    if (s.failed !== undefined) out.failed++;
  }
  for (const c of load.conversations) {
    const stored = await load.stored(c);
    const bySeq = new Map(stored.map((m) => [m.seq, m.clientMessageId]));
    const seen = new Set<string>();
    for (const m of stored) {
      if (ours.has(m.clientMessageId) && seen.has(m.clientMessageId)) out.duplicated++;
      seen.add(m.clientMessageId);
    }
    const acked = sends.filter((s) => s.conversationId === c.id && s.seq !== undefined);
    for (const s of acked) if (bySeq.get(s.seq!) !== s.clientMessageId) out.lost++;
    const found = await load.found(c);
    for (const s of acked) if (!found.has(s.clientMessageId)) out.unfindable++;
    for (const device of load.membersOf(c)) {
      const list = device.received.get(c.id) ?? [];
      const got = new Map<bigint, string>();
      let previous = 0n;
      for (const m of list) {
        const mine = ours.has(m.clientMessageId);
        if (mine && got.has(m.seq)) out.duplicated++;
        if (mine && m.seq !== previous + 1n) out.reordered++;
        if (mine && bySeq.get(m.seq) !== m.clientMessageId) out.diverged++;
        got.set(m.seq, m.clientMessageId);
        previous = m.seq;
      }
      for (const s of acked) if (got.get(s.seq!) !== s.clientMessageId) out.lost++;
    }
  }
  return out;
}

/** The longest any conversation went, from the fault's start, without ACKing a message sent after it. */
function recovery(load: ChatLoad, firstSend: number, start: number): number {
  let worst = 0;
  for (const c of load.conversations) {
    const after = load.sends.slice(firstSend).filter((s) => s.conversationId === c.id && s.issuedAt >= start && s.ackedAt !== undefined);
    if (after.length === 0) continue;
    worst = Math.max(worst, Math.min(...after.map((s) => s.ackedAt!)) - start);
  }
  return worst;
}

/** The reports as a table, one line per fault. */
export function formatReports(reports: readonly FaultReport[]): string {
  const columns = ["fault", "sent", "acked", "failed", "delivered", "lost", "unfindable", "duplicated", "reordered", "diverged", "recoveryMs"] as const;
  const rows = [columns.map(String), ...reports.map((r) => columns.map((k) => String(r[k])))];
  const widths = columns.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ")).join("\n");
}
