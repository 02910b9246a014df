import { describe, expect, it } from "vitest";
import { SeqTrack } from "./seq-track.ts";

const m = (seq: number) => ({ seq: BigInt(seq) });
const seqs = (items: { seq: bigint }[]) => items.map((i) => Number(i.seq));

describe("SeqTrack", () => {
  it("passes items on in order, once", () => {
    const t = new SeqTrack(0n);
    expect(seqs(t.offer(m(1)))).toEqual([1]);
    expect(seqs(t.offer(m(1)))).toEqual([]);
    expect(seqs(t.offer(m(2)))).toEqual([2]);
  });

  it("holds items ahead of a gap until the gap is filled from the store", () => {
    const t = new SeqTrack(1n);
    expect(seqs(t.offer(m(4)))).toEqual([]);
    expect(t.hasGap).toBe(true);
    expect(t.gapEnd).toBe(4n);
    expect(seqs(t.offer(m(5)))).toEqual([]);
    expect(seqs(t.fill([m(2), m(3)]))).toEqual([2, 3, 4, 5]);
    expect(t.hasGap).toBe(false);
  });

  it("ignores the parts of a page it already passed on, and pages that do not connect", () => {
    const t = new SeqTrack(3n);
    expect(seqs(t.fill([m(2), m(3), m(4)]))).toEqual([4]);
    expect(seqs(t.fill([m(6)]))).toEqual([]);
    expect(t.seq).toBe(4n);
  });

  it("raises to a cursor and releases what then follows it", () => {
    const t = new SeqTrack(0n);
    t.offer(m(6));
    t.offer(m(7));
    expect(seqs(t.raise(5n))).toEqual([6, 7]);
    expect(seqs(t.raise(2n))).toEqual([]);
    expect(t.seq).toBe(7n);
  });
});
