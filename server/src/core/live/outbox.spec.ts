import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { Outbox } from "./outbox.ts";

/** Lets the current turn end (its ticks and promise jobs). */
const turn = () => new Promise((resolve) => setImmediate(resolve));

/** A piped outbox and what its writer was handed, batch by batch. */
function piped(capacity = 10, max = 3) {
  let overflowed = 0;
  const outbox: Outbox<number> = new Outbox(capacity, 1_000, () => {
    overflowed++;
    outbox.close(new ConnectError("fell behind", Code.ResourceExhausted));
  });
  const written: number[][] = [];
  let hold: Promise<void> | undefined;
  const done = outbox.pipe((batch) => {
    written.push(batch);
    return hold;
  }, () => max);
  return { outbox, written, done, overflowed: () => overflowed, holdWith: (p: Promise<void> | undefined) => (hold = p) };
}

describe("Outbox.pipe", () => {
  it("hands a turn's frames over at its end, in batches of at most max", async () => {
    const { outbox, written } = piped();
    for (const n of [1, 2, 3, 4]) outbox.push(n);
    expect(written).toEqual([]); // nothing within the turn that queued them
    await turn();
    expect(written).toEqual([[1, 2, 3], [4]]);
    outbox.push(5);
    await turn();
    expect(written).toEqual([[1, 2, 3], [4], [5]]);
  });

  it("writes nothing more while a write's promise is pending, then goes on", async () => {
    const { outbox, written, holdWith } = piped();
    let release!: () => void;
    holdWith(new Promise<void>((resolve) => (release = resolve)));
    outbox.push(1);
    await turn();
    holdWith(undefined);
    outbox.push(2);
    outbox.push(3);
    await turn();
    expect(written).toEqual([[1]]);
    release();
    await turn();
    expect(written).toEqual([[1], [2, 3]]);
  });

  it("close(null) writes what is queued, then resolves", async () => {
    const { outbox, written, done } = piped();
    outbox.push(1);
    outbox.close(null);
    outbox.push(2); // after close: dropped
    await expect(done).resolves.toBeUndefined();
    expect(written).toEqual([[1]]);
  });

  it("close(error) drops what is queued and rejects with the error", async () => {
    const { outbox, written, done } = piped();
    outbox.push(1);
    outbox.close(new ConnectError("bye", Code.Unavailable));
    await expect(done).rejects.toMatchObject({ code: Code.Unavailable });
    expect(written).toEqual([]);
  });

  it("closes with ResourceExhausted when a client falls capacity frames behind", async () => {
    const { outbox, done, overflowed, holdWith } = piped(4);
    holdWith(new Promise<void>(() => {})); // a client that never reads
    outbox.push(0);
    await turn();
    for (let n = 1; n <= 5; n++) outbox.push(n);
    expect(overflowed()).toBe(1);
    expect(outbox.closed).toBe(true);
    expect(outbox.size).toBe(4);
    void done.catch(() => {}); // settles only once the pending write does: the transport resets the stream
  });

  it("lets a bulk producer go on once the writer has taken enough", async () => {
    const { outbox, written } = piped(4, 4);
    for (const n of [1, 2, 3]) outbox.push(n);
    let room = -1;
    const waited = outbox.room().then((r) => (room = r));
    expect(room).toBe(-1); // 3 of 4 in use: more than half
    await turn();
    await waited;
    expect(written).toEqual([[1, 2, 3]]);
    expect(room).toBe(4);
  });

  it("rejects with what the writer threw", async () => {
    const outbox = new Outbox<number>(4, 1_000, () => {});
    const done = outbox.pipe(() => {
      throw new Error("encode failed");
    }, () => 1);
    outbox.push(1);
    await expect(done).rejects.toThrow("encode failed");
  });
});
