import { describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import { type Message, MessageSchema } from "@chat/gen/chat/v1/message_pb.js";
import { MessageSequencer } from "./message-sequencer.ts";

/** A stored conversation of `n` messages, and a sequencer reading from it. */
function setup(n: number) {
  const stored = Array.from({ length: n }, (_, i) => create(MessageSchema, { conversationId: "c", seq: BigInt(i + 1), text: `m${i + 1}` }));
  const emitted: Message[] = [];
  let reads = 0;
  const sequencer = new MessageSequencer({
    fetch: async (_c, after, limit) => {
      reads++;
      await new Promise((r) => setTimeout(r, 1));
      return stored.filter((m) => m.seq > after).slice(0, limit);
    },
    emit: (m) => emitted.push(m),
    room: async () => 10_000,
    closed: () => false,
    onError: (e) => { throw e; },
  });
  return { stored, emitted, sequencer, reads: () => reads };
}
const seqs = (ms: Message[]) => ms.map((m) => Number(m.seq));
/** Waits for a condition with a deadline (the sequencer's store reads are asynchronous). */
async function until(ok: () => boolean, ms = 2_000): Promise<void> {
  for (const deadline = Date.now() + ms; !ok(); await new Promise((r) => setTimeout(r, 2))) {
    if (Date.now() > deadline) throw new Error(`condition not met in ${ms} ms`);
  }
}

describe("MessageSequencer", () => {
  it("starts a conversation at the lowest of its first live messages, even when they crossed", async () => {
    const { stored, emitted, sequencer } = setup(5);
    sequencer.open();
    sequencer.offer(stored[3]!);
    sequencer.offer(stored[2]!); // overtaken on the way from another node
    sequencer.offer(stored[4]!);
    await new Promise((r) => setTimeout(r, 100));
    sequencer.offer(stored[4]!);
    expect(seqs(emitted)).toEqual([3, 4, 5]);
  });

  it("after a resume, starts a conversation without a cursor at seq 1, however late a crossed message arrives", async () => {
    const { stored, emitted, sequencer } = setup(5);
    await sequencer.resume([]); // what the client library and the bench devices do: no cursor for new conversations
    sequencer.offer(stored[1]!); // seq 2 first: seq 1 comes from a slower node
    await new Promise((r) => setTimeout(r, 100)); // well past any settling delay
    sequencer.offer(stored[0]!);
    sequencer.offer(stored[4]!);
    await until(() => emitted.length >= 5);
    expect(seqs(emitted)).toEqual([1, 2, 3, 4, 5]);
  });

  it("after a resume, delivers a new conversation's seq 1 at once, with no store read", async () => {
    const { stored, emitted, sequencer, reads } = setup(1);
    await sequencer.resume([]);
    sequencer.offer(stored[0]!);
    expect(seqs(emitted)).toEqual([1]);
    expect(reads()).toBe(0);
  });

  it("a conversation noted before the resume and left out of its cursors starts at seq 1", async () => {
    const { stored, emitted, sequencer } = setup(4);
    sequencer.offer(stored[2]!);
    await sequencer.resume([]);
    await until(() => emitted.length >= 4);
    expect(seqs(emitted)).toEqual([1, 2, 3, 4]);
  });

  it("fills a gap between live messages from the store, in order", async () => {
    const { stored, emitted, sequencer } = setup(0);
    await sequencer.resume([{ conversationId: "c", seq: 0n }]); // an empty conversation, resumed
    stored.push(...setup(6).stored);
    sequencer.offer(stored[0]!);
    sequencer.offer(stored[3]!); // 2 and 3 crossed on the way
    sequencer.offer(stored[1]!);
    await new Promise((r) => setTimeout(r, 30));
    sequencer.offer(stored[4]!); // the repair read on to the end of the store: a duplicate now
    expect(seqs(emitted)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("replays from a cursor across pages and merges live messages without duplicates", async () => {
    const { stored, emitted, sequencer } = setup(450);
    const resumed = sequencer.resume([{ conversationId: "c", seq: 10n }]);
    sequencer.offer(stored[449]!); // live while the replay runs
    sequencer.offer(stored[20]!); // already replayed by then, or about to be
    const done = await resumed;
    expect(done.get("c")).toBe(450n);
    expect(seqs(emitted)).toEqual(Array.from({ length: 440 }, (_, i) => i + 11));
  });

  it("a cursor below what the stream already wrote replays from the cursor, live messages waiting behind", async () => {
    const { stored, emitted, sequencer } = setup(5);
    sequencer.open();
    sequencer.offer(stored[2]!);
    await until(() => emitted.length >= 3);
    stored.push(...setup(7).stored.slice(5));
    const resumed = sequencer.resume([{ conversationId: "c", seq: 1n }]);
    sequencer.offer(stored[6]!); // live while the replay runs: held until 2..6 are through
    expect(await resumed).toEqual(new Map([["c", 7n]]));
    expect(seqs(emitted)).toEqual([3, 4, 5, 2, 3, 4, 5, 6, 7]);
  });

  it("a rewind while the store read of a gap is in progress replays from the new cursor", async () => {
    const { emitted, sequencer } = setup(400);
    const first = sequencer.resume([{ conversationId: "c", seq: 300n }]); // reading 301..400
    const again = sequencer.resume([{ conversationId: "c", seq: 0n }]);
    await Promise.all([first, again]);
    expect(seqs(emitted).slice(-400)).toEqual(Array.from({ length: 400 }, (_, i) => i + 1));
  });

  it("before it opens, notes live messages and lets the first resume start lower", async () => {
    const { stored, emitted, sequencer } = setup(5);
    sequencer.offer(stored[3]!);
    expect(emitted).toEqual([]);
    await sequencer.resume([{ conversationId: "c", seq: 1n }]);
    expect(seqs(emitted)).toEqual([2, 3, 4, 5]);
  });

  it("opened without a resume, starts each conversation at its first live message", async () => {
    const { stored, emitted, sequencer } = setup(5);
    sequencer.offer(stored[2]!);
    sequencer.offer(stored[3]!);
    sequencer.open();
    await new Promise((r) => setTimeout(r, 30));
    expect(seqs(emitted)).toEqual([3, 4, 5]);
  });
});
