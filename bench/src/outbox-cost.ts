#!/usr/bin/env node
import { Outbox } from "../../server/src/core/live/outbox.ts";

/**
 * `node bench/src/outbox-cost.ts [rounds]`: CPU per delivered frame of a stream's write side, the
 * outbox read as the gRPC fast path read it before (an async generator of batches wrapped in a second
 * one, the visible-frames filter, consumed by `for await`) and as it reads it now (`Outbox.pipe`
 * pushing each turn's batch to the writer). Each round: 2,000 streams, 100 turns of one frame to every
 * stream (a fan-out), the turn ending before the next; the two ways alternate round by round.
 */
const rounds = Number(process.argv[2] ?? 5);
const streams = 2_000;
const turns = 100;
const turnEnd = () => new Promise((resolve) => setImmediate(resolve));

/** The old fast path: drain() wrapped by visibleBatches() and consumed by for-await. */
async function* visible(batches: AsyncGenerator<number[]>): AsyncGenerator<number[]> {
  for await (const batch of batches) if (batch.length > 0) yield batch;
}

const ways = {
  iterate(outbox: Outbox<number>, write: (batch: number[]) => void): Promise<void> {
    return (async () => {
      for await (const batch of visible(outbox.drain(() => 1))) write(batch);
    })();
  },
  pipe(outbox: Outbox<number>, write: (batch: number[]) => void): Promise<void> {
    return outbox.pipe((batch) => {
      write(batch);
      return undefined;
    }, () => 1);
  },
};

async function round(way: keyof typeof ways): Promise<number> {
  let written = 0;
  const write = (batch: number[]) => {
    written += batch.length;
  };
  const outboxes = Array.from({ length: streams }, () => new Outbox<number>(1_000, 10_000, () => {}));
  const done = outboxes.map((o) => ways[way](o, write));
  await turnEnd();
  const start = process.cpuUsage();
  for (let t = 0; t < turns; t++) {
    for (const o of outboxes) o.push(t);
    await turnEnd();
  }
  const used = process.cpuUsage(start);
  for (const o of outboxes) o.close(null);
  await Promise.all(done);
  if (written !== streams * turns) throw new Error(`wrote ${written} of ${streams * turns} frames`);
  return ((used.user + used.system) * 1000) / written; // ns per frame
}

const results: Record<string, number[]> = { iterate: [], pipe: [] };
for (let r = 0; r < rounds; r++) for (const way of ["iterate", "pipe"] as const) results[way]!.push(await round(way));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const [name, xs] of Object.entries(results)) console.log(`${name.padEnd(8)} ${median(xs).toFixed(0)} ns CPU per frame [${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)}]`);
