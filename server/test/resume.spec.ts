import { afterEach, describe, expect, it } from "vitest";
import { type TestUser, newId, openStream, registerUser, startNode, clientsFor, transportFor, streamPaths } from "./harness.ts";

describe.each(streamPaths)("resume ($path)", ({ args: pathArgs }) => {
  const servers: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  const node = async (opts?: Parameters<typeof startNode>[0]) => {
    const s = await startNode({ ...opts, args: [...(opts?.args ?? []), ...pathArgs] });
    servers.push(s);
    return s;
  };

  it("replays what a device missed, then continues live with no gap and no duplicate", async () => {
    const server = await node();
    const [alice, bob] = await Promise.all([registerUser(server, "alice"), registerUser(server, "bob")]);
    const conv = (await alice.clients.conversations.getOrCreateDirect({ userId: bob.id })).conversation!.id;
    const send = (i: number) => alice.clients.live.sendMessage({ conversationId: conv, clientMessageId: newId(), text: `m${i}` });
    for (let i = 1; i <= 30; i++) await send(i);

    // Bob saw up to seq 10; he resumes while alice keeps sending, so replay and live overlap.
    const s = await openStream(bob);
    const live = (async () => { for (let i = 31; i <= 60; i++) await send(i); })();
    s.send({ requestId: "resume", frame: { case: "resume", value: { cursors: [{ conversationId: conv, seq: 10n }] } } });
    await live;
    const seqs = await s.until(() => { const m = s.of("message").map((x) => Number(x.seq)); return m.length >= 50 && m; }, 10_000, "50 messages");
    expect(seqs).toEqual(Array.from({ length: 50 }, (_, i) => i + 11));
    const done = await s.until(() => s.of("resumeComplete")[0]);
    expect(done.cursors[0]!.conversationId).toBe(conv);
    await new Promise((r) => setTimeout(r, 200));
    expect(s.of("message")).toHaveLength(50); // nothing came twice
    s.close();
  });

  it("replays from the cursor even when live messages reach the new stream before its resume", async () => {
    const server = await node();
    const [alice, bob] = await Promise.all([registerUser(server, "alice"), registerUser(server, "bob")]);
    const conv = (await alice.clients.conversations.getOrCreateDirect({ userId: bob.id })).conversation!.id;
    const send = (i: number) => alice.clients.live.sendMessage({ conversationId: conv, clientMessageId: newId(), text: `m${i}` });
    for (let i = 1; i <= 5; i++) await send(i);
    const s = await openStream(bob, { heartbeat: false });
    for (let i = 6; i <= 8; i++) await send(i); // published to bob's stream before he resumes
    s.send({ frame: { case: "resume", value: { cursors: [{ conversationId: conv, seq: 2n }] } } });
    const seqs = await s.until(() => { const m = s.of("message").map((x) => Number(x.seq)); return m.length >= 6 && m; });
    expect(seqs).toEqual([3, 4, 5, 6, 7, 8]);
    s.close();
  });

  it("skips a cursor the user may not read, with an error of its own, and replays the others", async () => {
    const server = await node();
    const [alice, bob, eve] = await Promise.all([registerUser(server, "alice"), registerUser(server, "bob"), registerUser(server, "eve")]);
    const mine = (await alice.clients.conversations.getOrCreateDirect({ userId: bob.id })).conversation!.id;
    const foreign = (await eve.clients.conversations.getOrCreateDirect({ userId: bob.id })).conversation!.id;
    await alice.clients.live.sendMessage({ conversationId: mine, clientMessageId: newId(), text: "for bob" });
    const s = await openStream(alice);
    s.send({ requestId: "r", frame: { case: "resume", value: { cursors: [{ conversationId: foreign, seq: 0n }, { conversationId: mine, seq: 0n }] } } });
    const done = await s.until(() => s.of("resumeComplete")[0]);
    expect(done.cursors.map((c) => [c.conversationId, c.seq])).toEqual([[mine, 1n]]);
    expect(s.of("error").map((e) => e.message)).toEqual([`conversation ${foreign} not found`]);
    expect(s.of("message").map((m) => m.text)).toEqual(["for bob"]);
    s.close();
  });

  it("answers 10,000 refused cursors (the maximum) with an error each, and keeps the stream and the good cursor", async () => {
    const server = await node();
    const [alice, bob] = await Promise.all([registerUser(server, "alice"), registerUser(server, "bob")]);
    const mine = (await alice.clients.conversations.getOrCreateDirect({ userId: bob.id })).conversation!.id;
    await alice.clients.live.sendMessage({ conversationId: mine, clientMessageId: newId(), text: "kept" });
    const refused = Array.from({ length: 9_999 }, () => ({ conversationId: crypto.randomUUID(), seq: 0n }));
    const s = await openStream(alice);
    s.send({ requestId: "r", frame: { case: "resume", value: { cursors: [...refused, { conversationId: mine, seq: 0n }] } } });
    const done = await s.until(() => s.of("resumeComplete")[0], 20_000, "resumeComplete");
    expect(done.cursors.map((c) => [c.conversationId, c.seq])).toEqual([[mine, 1n]]);
    expect(s.of("error")).toHaveLength(9_999); // beyond the outbox's 4,096: paced by the client's reading
    expect(s.of("message").map((m) => m.text)).toEqual(["kept"]);
    expect(s.ended).toBeUndefined();
    s.close();
  });

  it("resume(0) for a conversation already live on the stream replays every older message, in order", async () => {
    const server = await node();
    const [alice, bob] = await Promise.all([registerUser(server, "alice"), registerUser(server, "bob")]);
    const conv = (await alice.clients.conversations.getOrCreateDirect({ userId: bob.id })).conversation!.id;
    const send = (text: string) => alice.clients.live.sendMessage({ conversationId: conv, clientMessageId: newId(), text });
    for (let i = 1; i <= 300; i++) await send(`m${i}`);
    const s = await openStream(bob);
    s.send({ requestId: "up-to-date", frame: { case: "resume", value: { cursors: [{ conversationId: conv, seq: 300n }] } } });
    await s.until(() => s.of("resumeComplete")[0], 5_000, "the first resumeComplete");
    await send("m301");
    await s.until(() => s.of("message").find((m) => m.seq === 301n), 5_000, "the live message");
    s.send({ requestId: "again", frame: { case: "resume", value: { cursors: [{ conversationId: conv, seq: 0n }] } } });
    const done = await s.until(() => s.frames.find((f) => f.requestId === "again" && f.frame.case === "resumeComplete"), 10_000, "the second resumeComplete");
    expect(done.frame.case === "resumeComplete" && done.frame.value.cursors[0]!.seq).toBe(301n);
    expect(s.of("message").map((m) => Number(m.seq))).toEqual([301, ...Array.from({ length: 301 }, (_, i) => i + 1)]);
    s.close();
  });

  it("delivers live to a client that never resumes (a bot), from the first message after it connected", async () => {
    const server = await node();
    const [alice, bot] = await Promise.all([registerUser(server, "alice"), registerUser(server, "bot")]);
    const conv = (await alice.clients.conversations.getOrCreateDirect({ userId: bot.id })).conversation!.id;
    await alice.clients.live.sendMessage({ conversationId: conv, clientMessageId: newId(), text: "before" });
    const s = await openStream(bot);
    await alice.clients.live.sendMessage({ conversationId: conv, clientMessageId: newId(), text: "after" });
    const got = await s.until(() => s.of("message")[0], 5_000, "the live message");
    expect(got.text).toBe("after");
    s.close();
  });

  it("keeps an ACKed message across a server restart between send and resume", async () => {
    const first = await node();
    const [alice, bob] = await Promise.all([registerUser(first, "alice"), registerUser(first, "bob")]);
    const conv = (await alice.clients.conversations.getOrCreateDirect({ userId: bob.id })).conversation!.id;
    const acks = [];
    for (let i = 1; i <= 5; i++) acks.push(await alice.clients.live.sendMessage({ conversationId: conv, clientMessageId: newId(), text: `before restart ${i}` }));
    await servers.pop()!.close();

    const second = await node({ dataDir: first.dataDir, port: first.port });
    const bobAgain: TestUser = { ...bob, clients: clientsFor(transportFor(second.url, "grpc", bob.token)) };
    const s = await openStream(bobAgain);
    s.send({ frame: { case: "resume", value: { cursors: [{ conversationId: conv, seq: 0n }] } } });
    const got = await s.until(() => { const m = s.of("message"); return m.length >= 5 && m; });
    expect(got.map((m) => [m.seq, m.text])).toEqual(acks.map((a, i) => [a.seq, `before restart ${i + 1}`]));
    // The token survived the restart too, and a retried send after it is recognised as the same message.
    const aliceAgain = clientsFor(transportFor(second.url, "grpc", alice.token));
    expect(await aliceAgain.live.sendMessage({ conversationId: conv, clientMessageId: acks[4]!.clientMessageId, text: "before restart 5" })).toEqual(acks[4]);
    s.close();
  });

  it("Subscribe (the browser path) resumes the same way", async () => {
    const server = await node();
    const [alice, bob] = await Promise.all([registerUser(server, "alice"), registerUser(server, "bob", "connect")]);
    const conv = (await alice.clients.conversations.getOrCreateDirect({ userId: bob.id })).conversation!.id;
    for (let i = 1; i <= 3; i++) await alice.clients.live.sendMessage({ conversationId: conv, clientMessageId: newId(), text: `m${i}` });
    const abort = new AbortController();
    const frames: string[] = [];
    const reading = (async () => {
      for await (const res of bob.clients.live.subscribe({ resume: { cursors: [{ conversationId: conv, seq: 1n }] } }, { signal: abort.signal })) {
        const f = res.frame!.frame;
        if (f.case === "message") frames.push(`${f.value.seq}:${f.value.text}`);
        if (f.case === "resumeComplete") await alice.clients.live.sendMessage({ conversationId: conv, clientMessageId: newId(), text: "live" });
        if (frames.length === 3) break;
      }
    })();
    await reading;
    abort.abort();
    expect(frames).toEqual(["2:m2", "3:m3", "4:live"]);
  });
});
