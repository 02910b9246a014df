import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorCode } from "@chat/gen/chat/v1/live_pb.js";
import { type TestUser, openStream, registerUser, startNode, streamPaths } from "./harness.ts";

describe.each(streamPaths)("presence and typing ($path)", ({ args: pathArgs }) => {
  let server: Awaited<ReturnType<typeof startNode>>;
  let alice: TestUser, bob: TestUser, eve: TestUser;
  let conv: string;

  beforeAll(async () => {
    server = await startNode({ args: [...pathArgs, "--heartbeat-interval-ms", "200", "--heartbeat-timeout-ms", "600"] });
    [alice, bob, eve] = await Promise.all([registerUser(server, "alice"), registerUser(server, "bob"), registerUser(server, "eve")]);
    conv = (await alice.clients.conversations.getOrCreateDirect({ userId: bob.id })).conversation!.id;
  });
  afterAll(async () => server?.close());

  it("shows a user online while connected and offline with a last-seen time after disconnect", async () => {
    const watcher = await openStream(alice);
    const bobStream = await openStream(bob);
    await watcher.until(() => watcher.of("presence").find((p) => p.userId === bob.id && p.online), 3_000, "bob online");
    const [online] = (await alice.clients.users.getUsers({ userIds: [bob.id] })).presence;
    expect(online!.online).toBe(true);
    bobStream.close();
    const offline = await watcher.until(() => watcher.of("presence").find((p) => p.userId === bob.id && !p.online), 3_000, "bob offline");
    expect(offline.lastSeen).toBeDefined();
    // eve shares no conversation with bob: she is not told about him
    const eveStream = await openStream(eve);
    await openStream(bob).then((s) => s.close());
    await new Promise((r) => setTimeout(r, 300));
    expect(eveStream.of("presence").filter((p) => p.userId === bob.id)).toHaveLength(0);
    watcher.close();
    eveStream.close();
  });

  it("GetUsers tells presence and last seen only to users who share a conversation", async () => {
    const bobStream = await openStream(bob);
    const watcher = await openStream(alice);
    await watcher.until(() => watcher.of("presence").find((p) => p.userId === bob.id && p.online), 3_000, "bob online");
    const byAlice = await alice.clients.users.getUsers({ userIds: [bob.id, eve.id, alice.id] });
    expect(byAlice.presence.map((p) => [p.userId, p.online])).toEqual([[bob.id, true], [eve.id, false], [alice.id, true]]);
    // eve shares no conversation with bob or alice: she finds them, but not whether or when they were online
    const byEve = await eve.clients.users.getUsers({ userIds: [bob.id], usernames: [alice.username] });
    expect(byEve.users.map((u) => u.id)).toEqual([bob.id, alice.id]);
    expect(byEve.presence.map((p) => [p.userId, p.online, p.lastSeen])).toEqual([[bob.id, false, undefined], [alice.id, false, undefined]]);
    bobStream.close();
    await watcher.until(() => watcher.of("presence").find((p) => p.userId === bob.id && !p.online), 3_000, "bob offline");
    const [seenByEve] = (await eve.clients.users.getUsers({ userIds: [bob.id] })).presence;
    expect(seenByEve!.lastSeen).toBeUndefined();
    const [seenByAlice] = (await alice.clients.users.getUsers({ userIds: [bob.id] })).presence;
    expect(seenByAlice!.lastSeen).toBeDefined();
    watcher.close();
  });

  it("closes a stream that misses heartbeats, and the user goes offline", async () => {
    const watcher = await openStream(alice);
    const silent = await openStream(bob, { heartbeat: false });
    await watcher.until(() => watcher.of("presence").find((p) => p.userId === bob.id && p.online));
    await silent.until(() => silent.ended !== undefined, 3_000, "the silent stream to be closed");
    expect(ConnectError.from(silent.ended).code).toBe(Code.DeadlineExceeded);
    await watcher.until(() => watcher.of("presence").find((p) => p.userId === bob.id && !p.online), 3_000, "bob offline");
    // a heartbeating stream stays open past the timeout
    const beating = await openStream(bob);
    await new Promise((r) => setTimeout(r, 1_200));
    expect(beating.ended).toBeUndefined();
    beating.close();
    watcher.close();
  });

  it("closes a silent stream of a device while another stream of that device heartbeats", async () => {
    // Each stream heartbeats for itself (a reconnecting device's old stream, whose client is gone,
    // must not live on by the new one's heartbeats); the device stays online through the other.
    const watcher = await openStream(alice);
    const beating = await openStream(bob);
    const silent = await openStream(bob, { heartbeat: false });
    await watcher.until(() => watcher.of("presence").find((p) => p.userId === bob.id && p.online));
    await silent.until(() => silent.ended !== undefined, 3_000, "the silent stream to be closed");
    expect(ConnectError.from(silent.ended).code).toBe(Code.DeadlineExceeded);
    await new Promise((r) => setTimeout(r, 700)); // past the timeout once more
    expect(beating.ended).toBeUndefined();
    expect(watcher.of("presence").filter((p) => p.userId === bob.id).at(-1)?.online).toBe(true);
    beating.close();
    watcher.close();
  });

  it("tells each contact of a change once, even when contacts connect at the same moment", async () => {
    const others = await Promise.all([1, 2, 3, 4].map(() => registerUser(server, "contact")));
    await alice.clients.conversations.createGroup({ name: "crowd", memberIds: others.map((o) => o.id) });
    const streams = await Promise.all([alice, ...others].map((u) => openStream(u)));
    const everyone = [alice, ...others];
    // Each stream hears every other user online: from its opening snapshot or from their announcement.
    for (const [i, s] of streams.entries()) {
      for (const u of everyone) {
        if (u === everyone[i]) continue;
        await s.until(() => s.of("presence").find((p) => p.userId === u.id && p.online), 3_000, `${u.username} online`);
      }
    }
    const lastFrame = streams[0]!.frames.length;
    streams[0]!.send({ requestId: "sync", frame: { case: "markRead", value: { conversationId: conv, seq: 0n } } });
    await streams[0]!.until(() => streams[0]!.frames.length > lastFrame, 3_000, "a later frame");
    for (const s of streams) {
      const online = s.of("presence").filter((p) => p.online).map((p) => p.userId);
      expect(online.length).toBe(new Set(online).size);
    }
    streams.forEach((s) => s.close());
  });

  it("publishes a receipt only when a mark moves", async () => {
    const [a, b] = await Promise.all([openStream(alice), openStream(bob)]);
    const ack = await bob.clients.live.sendMessage({ conversationId: conv, clientMessageId: crypto.randomUUID(), text: "mark me" });
    for (let i = 0; i < 3; i++) a.send({ requestId: `d${i}`, frame: { case: "markDelivered", value: { conversationId: conv, seq: ack.seq } } });
    a.send({ requestId: "r", frame: { case: "markRead", value: { conversationId: conv, seq: ack.seq } } });
    await b.until(() => b.of("receipt").find((r) => r.state?.userId === alice.id && r.state.readSeq === ack.seq), 3_000, "alice's read mark");
    // Marks are handled side by side, so the read mark may land first; either way each move is told once.
    const moves = b.of("receipt").filter((r) => r.state?.userId === alice.id).map((r) => `${r.state!.deliveredSeq}/${r.state!.readSeq}`);
    expect(moves.at(-1)).toBe(`${ack.seq}/${ack.seq}`);
    expect(moves.length).toBeLessThanOrEqual(2);
    expect(new Set(moves).size).toBe(moves.length);
    [a, b].forEach((s) => s.close());
  });

  it("relays typing to the other members only, and ends it by itself", async () => {
    const [a, b, e] = await Promise.all([openStream(alice), openStream(bob), openStream(eve)]);
    a.send({ frame: { case: "typing", value: { conversationId: conv, typing: true } } });
    const started = await b.until(() => b.of("typing").find((t) => t.userId === alice.id && t.typing));
    expect(started.expiresInMs).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 200));
    expect(a.of("typing")).toHaveLength(0); // not echoed to the typer
    expect(e.of("typing")).toHaveLength(0); // not a member
    [a, b, e].forEach((s) => s.close());
  });

  it("refuses the 6th typing frame of a second: at most 5, no burst above that", async () => {
    const a = await openStream(alice);
    for (let i = 0; i < 6; i++) a.send({ requestId: `t${i}`, frame: { case: "typing", value: { conversationId: conv, typing: i % 2 === 0 } } });
    const err = await a.until(() => a.frames.find((f) => f.frame.case === "error"));
    expect(err.requestId).toBe("t5");
    a.close();
  });

  it("answers a flood of typing frames with ResourceExhausted and keeps the stream open", async () => {
    const a = await openStream(alice);
    for (let i = 0; i < 40; i++) a.send({ frame: { case: "typing", value: { conversationId: conv, typing: true } } });
    const err = await a.until(() => a.of("error").find((e) => e.code === ErrorCode.RESOURCE_EXHAUSTED));
    expect(err.message).toMatch(/typing/);
    a.send({ requestId: "still", frame: { case: "heartbeat", value: {} } });
    await new Promise((r) => setTimeout(r, 100));
    expect(a.ended).toBeUndefined();
    a.close();
  });
});
