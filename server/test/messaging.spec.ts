import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import { StreamRequestSchema } from "@chat/gen/chat/v1/live_pb.js";
import { Direction } from "@chat/gen/chat/v1/message_pb.js";
import { type TestUser, newId, openStream, registerUser, startNode, streamPaths } from "./harness.ts";

describe.each(streamPaths)("messaging on one node ($path)", ({ args: pathArgs }) => {
  let server: Awaited<ReturnType<typeof startNode>>;
  let alice: TestUser, bob: TestUser, carol: TestUser;
  let group: string;

  beforeAll(async () => {
    server = await startNode({ args: pathArgs });
    [alice, bob, carol] = await Promise.all([registerUser(server, "alice"), registerUser(server, "bob"), registerUser(server, "carol")]);
    const res = await alice.clients.conversations.createGroup({ name: "team", memberIds: [bob.id, carol.id] });
    group = res.conversation!.id;
  });
  afterAll(async () => server?.close());

  it("assigns gap-free, strictly increasing seqs and every member sees the same order", async () => {
    const streams = await Promise.all([alice, bob, carol].map((u) => openStream(u)));
    // The group's stream starts with its system events ("alice created the group"): sends follow them.
    const base = Number((await alice.clients.conversations.getConversation({ conversationId: group })).conversation!.lastSeq);
    const perSender = 20;
    await Promise.all([alice, bob, carol].map((u) => Promise.all(Array.from({ length: perSender }, (_, i) =>
      u.clients.live.sendMessage({ conversationId: group, clientMessageId: newId(), text: `${u.username} ${i}` })))));
    const total = perSender * 3;
    for (const s of streams) {
      const seen = await s.until(() => { const m = s.of("message"); return m.length >= total && m; }, 10_000, "all messages");
      expect(seen.map((m) => Number(m.seq))).toEqual(Array.from({ length: total }, (_, i) => base + i + 1));
    }
    const texts = streams.map((s) => s.of("message").map((m) => m.text).join("|"));
    expect(new Set(texts).size).toBe(1);
    streams.forEach((s) => s.close());
  });

  it("a retried send with the same client id creates no second message and gets the same ACK", async () => {
    const clientMessageId = newId();
    const first = await bob.clients.live.sendMessage({ conversationId: group, clientMessageId, text: "once" });
    const again = await bob.clients.live.sendMessage({ conversationId: group, clientMessageId, text: "once" });
    const concurrent = await Promise.all([1, 2, 3].map(() => bob.clients.live.sendMessage({ conversationId: group, clientMessageId, text: "once" })));
    for (const ack of [again, ...concurrent]) expect(ack).toEqual(first);
    const page = await bob.clients.history.listMessages({ conversationId: group, limit: 5 });
    expect(page.messages.filter((m) => m.clientMessageId === clientMessageId)).toHaveLength(1);
  });

  it("acks a send on the stream with the request id, and answers a bad frame with a FrameError", async () => {
    const s = await openStream(alice);
    s.send({ requestId: "r1", frame: { case: "send", value: { conversationId: group, clientMessageId: newId(), text: "via stream" } } });
    s.send({ requestId: "r2", frame: { case: "send", value: { conversationId: group, clientMessageId: newId(), text: "   " } } });
    const ack = await s.until(() => s.frames.find((f) => f.requestId === "r1" && f.frame.case === "ack"));
    const err = await s.until(() => s.frames.find((f) => f.requestId === "r2" && f.frame.case === "error"));
    expect(ack.frame.case === "ack" && ack.frame.value.seq).toBeGreaterThan(0n);
    expect(err.frame.case === "error" && err.frame.value.message).toMatch(/empty/);
    s.send({ requestId: "r3", frame: { case: "heartbeat", value: {} } });
    s.send({ requestId: "r4", frame: { case: "send", value: { conversationId: group, clientMessageId: newId(), text: "still open" } } });
    await s.until(() => s.frames.find((f) => f.requestId === "r4" && f.frame.case === "ack"), 5_000, "stream still usable after an error");
    s.close();
  });

  it("acks a send as soon as it is durable: the sender's stream gets the ACK before the message frame", async () => {
    const s = await openStream(alice);
    // Resumed at the group's newest seq, the stream writes live messages of the group at once (a
    // stream that never resumed holds a conversation's first messages back ~50 ms, ACKs not).
    const lastSeq = (await alice.clients.conversations.getConversation({ conversationId: group })).conversation!.lastSeq;
    s.send({ requestId: "resume", frame: { case: "resume", value: { cursors: [{ conversationId: group, seq: lastSeq }] } } });
    await s.until(() => s.of("resumeComplete")[0], 5_000, "resumeComplete");
    const ids: string[] = Array.from({ length: 10 }, () => newId());
    ids.forEach((clientMessageId, i) => s.send({ requestId: `o${i}`, frame: { case: "send", value: { conversationId: group, clientMessageId, text: `order ${i}` } } }));
    await s.until(() => s.of("message").filter((m) => ids.includes(m.clientMessageId)).length === ids.length && s.frames.filter((f) => f.frame.case === "ack" && f.requestId.startsWith("o")).length === ids.length, 10_000, "every ACK and message");
    for (const [i, clientMessageId] of ids.entries()) {
      const ackAt = s.frames.findIndex((f) => f.requestId === `o${i}` && f.frame.case === "ack");
      const messageAt = s.frames.findIndex((f) => f.frame.case === "message" && f.frame.value.clientMessageId === clientMessageId);
      expect(ackAt, `ACK of send ${i} before its message`).toBeLessThan(messageAt);
    }
    s.close();
  });

  it("packs queued frames into one response for a client that asks (max_batch), in order", async () => {
    const created = (await alice.clients.conversations.createGroup({ name: "batched", memberIds: [bob.id] })).conversation!;
    const conv = created.id;
    // The replay from seq 0 starts with the group's system events, then the 60 messages.
    const total = Number(created.lastSeq) + 60;
    const abort = new AbortController();
    const requests = (async function* () {
      yield create(StreamRequestSchema, { frame: { case: "resume", value: { cursors: [{ conversationId: conv, seq: 0n }], maxBatch: 16 } } });
      // A later resume that does not repeat max_batch (as for a conversation joined meanwhile) keeps it.
      yield create(StreamRequestSchema, { frame: { case: "resume", value: { cursors: [] } } });
      await new Promise((resolve) => abort.signal.addEventListener("abort", resolve));
    })();
    const sizes: number[] = [];
    const seqs: number[] = [];
    const reading = (async () => {
      for await (const res of bob.clients.live.stream(requests, { signal: abort.signal })) {
        const frames = res.frames.length > 0 ? res.frames : [res.frame!];
        sizes.push(frames.length);
        for (const f of frames) if (f.frame.case === "message") seqs.push(Number(f.frame.value.seq));
        if (frames.some((f) => f.frame.case === "resumeComplete" && f.frame.value.cursors.length === 0)) {
          await Promise.all(Array.from({ length: 60 }, (_, i) =>
            alice.clients.live.sendMessage({ conversationId: conv, clientMessageId: newId(), text: `b${i}` })));
        }
        if (seqs.length >= total) break;
      }
    })().catch(() => {});
    await reading;
    abort.abort();
    expect(seqs).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(Math.max(...sizes)).toBeGreaterThan(1);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(16);
  });

  it("pages history backward and forward by seq", async () => {
    const created = (await alice.clients.conversations.createGroup({ name: "history", memberIds: [bob.id] })).conversation!;
    const conv = created.id;
    const base = Number(created.lastSeq); // the group's system events come first: m1 is at base + 1
    for (let i = 1; i <= 12; i++) await alice.clients.live.sendMessage({ conversationId: conv, clientMessageId: newId(), text: `m${i}` });
    const newest = await bob.clients.history.listMessages({ conversationId: conv, limit: 5 });
    expect(newest.messages.map((m) => m.text)).toEqual(["m12", "m11", "m10", "m9", "m8"]);
    expect(newest.hasMore).toBe(true);
    const older = await bob.clients.history.listMessages({ conversationId: conv, anchorSeq: BigInt(base + 8), limit: 20 });
    expect(older.messages.map((m) => Number(m.seq))).toEqual(Array.from({ length: base + 7 }, (_, i) => base + 7 - i));
    expect(older.messages.slice(0, 7).map((m) => m.text)).toEqual(["m7", "m6", "m5", "m4", "m3", "m2", "m1"]);
    expect(older.hasMore).toBe(false);
    const forward = await bob.clients.history.listMessages({ conversationId: conv, anchorSeq: BigInt(base + 10), direction: Direction.FORWARD });
    expect(forward.messages.map((m) => m.text)).toEqual(["m11", "m12"]);
  });

  it("delivers to every device of every member, and a read mark on one device reaches the others and the sender", async () => {
    const { loginDevice } = await import("./harness.ts");
    const bobPhone = await loginDevice(server, bob);
    const conv = (await alice.clients.conversations.getOrCreateDirect({ username: bob.username })).conversation!.id;
    const [aliceStream, bobLaptop, bobPhoneStream] = await Promise.all([openStream(alice), openStream(bob), openStream(bobPhone)]);
    const ack = await alice.clients.live.sendMessage({ conversationId: conv, clientMessageId: newId(), text: "hi bob" });
    for (const s of [bobLaptop, bobPhoneStream]) await s.until(() => s.of("message").find((m) => m.text === "hi bob"));
    bobPhoneStream.send({ frame: { case: "markRead", value: { conversationId: conv, seq: ack.seq } } });
    for (const s of [aliceStream, bobLaptop]) {
      const r = await s.until(() => s.of("receipt").find((e) => e.conversationId === conv && e.state?.userId === bob.id && e.state.readSeq === ack.seq));
      expect(r.state!.deliveredSeq).toBe(ack.seq);
    }
    const view = (await bob.clients.conversations.getConversation({ conversationId: conv })).conversation!;
    expect(view.unreadCount).toBe(0n);
    [aliceStream, bobLaptop, bobPhoneStream].forEach((s) => s.close());
  });

  it("lists conversations with the last message and the unread count", async () => {
    const conv = (await carol.clients.conversations.getOrCreateDirect({ userId: alice.id })).conversation!.id;
    await carol.clients.live.sendMessage({ conversationId: conv, clientMessageId: newId(), text: "one" });
    await carol.clients.live.sendMessage({ conversationId: conv, clientMessageId: newId(), text: "two" });
    const list = (await alice.clients.conversations.listConversations({})).conversations;
    const direct = list.find((c) => c.id === conv)!;
    expect(direct.lastMessage?.text).toBe("two");
    expect(direct.unreadCount).toBe(2n);
    expect(list[0]!.id).toBe(conv); // most recently active first
    const mine = (await carol.clients.conversations.listConversations({})).conversations.find((c) => c.id === conv)!;
    expect(mine.unreadCount).toBe(0n); // one's own messages are never unread
  });
});
