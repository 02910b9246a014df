import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bucketSize, engines, type StoreEngine } from "./contract-engines.ts";
import type { ConversationRecord, MemberRecord, NewMessage, Store } from "./interface.ts";

describe.each(engines)("Store contract: $name", ({ make }) => {
  let engine: StoreEngine;
  /** Two stores on the same data: two nodes. */
  let a: Store;
  let b: Store;

  beforeAll(async () => {
    engine = make();
    a = await engine.open();
    b = await engine.open();
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await engine?.destroy();
  });

  const now = () => new Date(Math.floor(Date.now() / 1000) * 1000);
  const user = (username = `u${randomUUID().slice(0, 8)}`) => ({
    id: randomUUID(), username, displayName: username.toUpperCase(), passwordHash: "$argon2id$x", createdAt: now(),
  });
  const member = (conversationId: string, userId: string, joinedAt = now()): MemberRecord =>
    ({ conversationId, userId, role: "member", joinedAt });
  /** A group of the given users and of the senders the tests use, s0, s1 and s2. */
  async function group(userIds: string[] = []): Promise<string> {
    const conv: ConversationRecord = { id: randomUUID(), kind: "group", name: "g", createdAt: now(), lastSeq: 0 };
    await a.createGroup(conv, ["s0", "s1", "s2", ...userIds].map((id) => member(conv.id, id)));
    return conv.id;
  }
  const message = (conversationId: string, text: string, senderId = "s1", clientMessageId: string = randomUUID()): NewMessage =>
    ({ conversationId, senderId, clientMessageId, text, sentAt: now() });
  const seqs = (page: { seq: number }[]) => page.map((m) => m.seq);
  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

  it("users: usernames are unique, even when two nodes race", async () => {
    const alice = user();
    expect(await a.createUser(alice)).toBe(true);
    const copycat = { ...user(), username: alice.username };
    expect(await b.createUser(copycat)).toBe(false);
    expect(await a.getUsers([alice.id, copycat.id, randomUUID()])).toEqual([alice]);
    expect(await b.getUserByUsername(alice.username)).toEqual(alice);
    expect(await b.getUserByUsername("nobody")).toBeUndefined();

    const name = `race${randomUUID().slice(0, 8)}`;
    const racers = Array.from({ length: 6 }, () => ({ ...user(), username: name }));
    const won = await Promise.all(racers.map((u, i) => (i % 2 ? a : b).createUser(u)));
    expect(won.filter(Boolean)).toHaveLength(1);
    const winner = racers[won.indexOf(true)]!;
    expect(await a.getUserByUsername(name)).toEqual(winner);
    expect(await a.getUsers(racers.map((r) => r.id))).toEqual([winner]);
  });

  it("user search: by the start of a username, its parts, a display name or a word of it, by username, page by page", async () => {
    const stem = `q${randomUUID().replaceAll("-", "").slice(0, 8)}`;
    const make = (username: string, displayName: string) => ({ ...user(username), displayName });
    const anna = make(`${stem}a`, "Anna Lee");
    const bob = make(`${stem}b`, "Bob");
    const long = make(`${stem}c`, `Carl ${stem}${"l".repeat(40)}`);
    const emile = make(`x.${stem}`, `Émile ${stem.toUpperCase()}Z`);
    const other = make(`other${stem}`, "Nobody");
    for (const u of [anna, bob, long, emile, other]) expect(await a.createUser(u)).toBe(true);
    const names = (users: { username: string }[]) => users.map((u) => u.username);
    // Written on one node, searched on the other.
    expect(names(await b.searchUsers({ prefix: stem, afterUsername: "", limit: 2 }))).toEqual([anna.username, bob.username]);
    expect(names(await b.searchUsers({ prefix: stem, afterUsername: bob.username, limit: 2 }))).toEqual([long.username, emile.username]);
    expect(await b.searchUsers({ prefix: stem, afterUsername: emile.username, limit: 2 })).toEqual([]);
    // Past the indexed prefix length: the rows are checked one by one.
    expect(names(await b.searchUsers({ prefix: `${stem}${"l".repeat(30)}`, afterUsername: "", limit: 5 }))).toEqual([long.username]);
    expect(names(await b.searchUsers({ prefix: `${stem}${"l".repeat(30)}x`, afterUsername: "", limit: 5 }))).toEqual([]);
    expect(await b.searchUsers({ prefix: `${stem}y`, afterUsername: "", limit: 5 })).toEqual([]);
    expect(names(await b.searchUsers({ prefix: `${stem}z`, afterUsername: "", limit: 5 }))).toEqual([emile.username]);
    expect(names(await b.searchUsers({ prefix: `${stem}a`, afterUsername: "", limit: 5 }))).toEqual([anna.username]);
    const found = (await b.searchUsers({ prefix: `${stem}b`, afterUsername: "", limit: 5 }))[0];
    expect(found).toEqual(bob);
  });

  it("devices: found by token hash, listed oldest first, deleted with their token", async () => {
    const userId = randomUUID();
    const devices = [2, 0, 1].map((age) => ({
      userId, deviceId: randomUUID(), deviceName: `d${age}`, tokenHash: randomUUID(), createdAt: new Date(Date.now() - age * 60_000),
    }));
    for (const d of devices) {
      const createdAt = new Date(d.createdAt.getTime() - (d.createdAt.getTime() % 1000));
      await a.createDevice({ ...d, createdAt, lastUsedAt: createdAt });
    }
    const listed = await b.listDevices(userId);
    expect(listed.map((d) => d.deviceName)).toEqual(["d2", "d1", "d0"]);
    expect(await b.getDeviceByTokenHash(devices[0]!.tokenHash)).toEqual(listed[0]);
    expect(await a.deleteDevice(userId, devices[0]!.deviceId)).toEqual(listed[0]);
    expect(await a.deleteDevice(userId, devices[0]!.deviceId)).toBeUndefined();
    expect(await b.getDeviceByTokenHash(devices[0]!.tokenHash)).toBeUndefined();
    expect((await b.listDevices(userId)).map((d) => d.deviceName)).toEqual(["d1", "d0"]);
  });

  it("devices: last use is recorded; idle ones are deleted in batches, bot tokens kept; passwords change", async () => {
    const userId = randomUUID();
    const t0 = new Date(now().getTime() - 10 * 86_400_000);
    const device = (name: string, lastUsedAt: Date) =>
      ({ userId, deviceId: randomUUID(), deviceName: name, tokenHash: randomUUID(), createdAt: t0, lastUsedAt });
    const [idle1, idle2, active, bot] = [device("idle1", t0), device("idle2", t0), device("active", t0), device("bot", t0)];
    for (const d of [idle1, idle2, active, bot]) await a.createDevice(d);
    await a.putTokenScope({ deviceId: bot.deviceId, conversationIds: [], canWrite: true });
    const used = new Date(t0.getTime() + 5 * 86_400_000);
    await b.touchDevice(userId, active.deviceId, used);
    expect((await a.getDeviceByTokenHash(active.tokenHash))?.lastUsedAt).toEqual(used);
    expect((await b.listDevices(userId)).find((d) => d.deviceId === active.deviceId)?.lastUsedAt).toEqual(used);

    const cutoff = new Date(t0.getTime() + 86_400_000);
    const first = await a.deleteDevicesUnusedSince(cutoff, 1);
    const rest = await b.deleteDevicesUnusedSince(cutoff, 1_000);
    expect([...first, ...rest].map((d) => d.deviceName).sort()).toEqual(["idle1", "idle2"]);
    expect(first).toHaveLength(1);
    expect(await a.getDeviceByTokenHash(idle1.tokenHash)).toBeUndefined();
    expect((await a.listDevices(userId)).map((d) => d.deviceName).sort()).toEqual(["active", "bot"]);
    // A touch that loses the race with a revocation brings no device back.
    await a.deleteDevice(userId, active.deviceId);
    await b.touchDevice(userId, active.deviceId, new Date());
    expect(await b.getDeviceByTokenHash(active.tokenHash)).toBeUndefined();
    expect((await b.listDevices(userId)).map((d) => d.deviceName)).toEqual(["bot"]);

    const u = user();
    await a.createUser(u);
    await b.setPasswordHash(u, "$argon2id$new");
    expect((await a.getUserByUsername(u.username))?.passwordHash).toBe("$argon2id$new");
    expect((await a.getUsers([u.id]))[0]?.passwordHash).toBe("$argon2id$new");
  });

  it("bots: known by id and listed by owner (written on one node, read on the other); token scopes round-trip", async () => {
    const owner = randomUUID();
    const bots = [{ botId: randomUUID(), ownerId: owner, createdAt: new Date(now().getTime() - 1000) }, { botId: randomUUID(), ownerId: owner, createdAt: now() }];
    for (const bot of bots) await a.createBot(bot);
    await a.createBot(bots[0]!); // idempotent
    expect((await b.listBotsByOwner(owner)).map((x) => x.botId)).toEqual(bots.map((x) => x.botId));
    expect(await b.listBotsByOwner(randomUUID())).toEqual([]);
    const person = randomUUID();
    expect((await b.getBots([bots[1]!.botId, person])).map((x) => [x.botId, x.ownerId])).toEqual([[bots[1]!.botId, owner]]);
    expect(await b.getBots([])).toEqual([]);
    const deviceId = randomUUID();
    expect(await b.getTokenScope(deviceId)).toBeUndefined();
    await a.putTokenScope({ deviceId, conversationIds: [], canWrite: true });
    expect(await b.getTokenScope(deviceId)).toEqual({ deviceId, conversationIds: [], canWrite: true });
    const conversationIds = [randomUUID(), randomUUID()];
    await a.putTokenScope({ deviceId, conversationIds, canWrite: false });
    expect(await b.getTokenScope(deviceId)).toEqual({ deviceId, conversationIds, canWrite: false });
  });

  it("direct conversations: exactly one per pair, even when both sides race from two nodes", async () => {
    const [x, y] = [randomUUID(), randomUUID()];
    const attempts = await Promise.all(Array.from({ length: 8 }, (_, i) => {
      const conv: ConversationRecord = { id: randomUUID(), kind: "direct", name: "", createdAt: now(), lastSeq: 0 };
      const pair: [MemberRecord, MemberRecord] = i % 2 ? [member(conv.id, x), member(conv.id, y)] : [member(conv.id, y), member(conv.id, x)];
      return (i % 2 ? a : b).getOrCreateDirect(conv, pair);
    }));
    expect(attempts.filter((r) => r.created)).toHaveLength(1);
    const id = attempts[0]!.conversation.id;
    expect(new Set(attempts.map((r) => r.conversation.id))).toEqual(new Set([id]));
    expect(attempts[0]!.conversation).toMatchObject({ kind: "direct", lastSeq: 0 });
    expect((await b.listMembers(id)).map((m) => m.userId).sort()).toEqual([x, y].sort());
    expect(await a.listConversationIds(x)).toEqual([id]);
    expect(await a.listConversationIds(y)).toEqual([id]);
    // A pair of one user with themself (a note-to-self): one conversation, one member.
    const self = await Promise.all([a, b].map((store) => {
      const conv: ConversationRecord = { id: randomUUID(), kind: "direct", name: "", createdAt: now(), lastSeq: 0 };
      return store.getOrCreateDirect(conv, [member(conv.id, x), member(conv.id, x)]);
    }));
    expect(self[0]!.conversation.id).toBe(self[1]!.conversation.id);
    expect((await b.listMembers(self[0]!.conversation.id)).map((m) => m.userId)).toEqual([x]);
  });

  it("groups: members oldest first; putMembers changes roles and keeps joinedAt; removal drops marks", async () => {
    const [owner, m1, m2] = [randomUUID(), randomUUID(), randomUUID()];
    const conv: ConversationRecord = { id: randomUUID(), kind: "group", name: "team", createdAt: now(), lastSeq: 99 };
    const t0 = now();
    await a.createGroup(conv, [{ ...member(conv.id, owner, t0), role: "owner" }, member(conv.id, m1, new Date(t0.getTime() + 1000))]);
    expect(await b.getConversation(conv.id)).toEqual({ ...conv, lastSeq: 0 });
    expect(await b.getConversation(randomUUID())).toBeUndefined();
    await b.putMembers([{ ...member(conv.id, m1, new Date(t0.getTime() + 9000)), role: "admin" }, member(conv.id, m2, new Date(t0.getTime() + 2000))]);
    expect((await a.listMembers(conv.id)).map((m) => [m.userId, m.role, m.joinedAt.getTime() - t0.getTime()])).toEqual([
      [owner, "owner", 0], [m1, "admin", 1000], [m2, "member", 2000],
    ]);
    expect(await a.listConversationIds(m2)).toEqual([conv.id]);

    await a.appendMessage(message(conv.id, "hi", owner));
    await a.advanceReadState({ conversationId: conv.id, userId: m2, deliveredSeq: 1, readSeq: 1 });
    await b.removeMember(conv.id, m2);
    expect((await a.listMembers(conv.id)).map((m) => m.userId)).toEqual([owner, m1]);
    expect(await a.listConversationIds(m2)).toEqual([]);
    expect((await a.listReadStates(conv.id)).map((s) => s.userId)).toEqual([owner]);
    // Back again: the marks of the earlier membership stay gone.
    await b.putMembers([member(conv.id, m2, new Date(t0.getTime() + 5000))]);
    expect(await b.advanceReadState({ conversationId: conv.id, userId: m2, deliveredSeq: 0, readSeq: 0 }))
      .toEqual({ conversationId: conv.id, userId: m2, deliveredSeq: 0, readSeq: 0 });
  });

  it("groups: an owner leaving hands over in the same write (the heir keeps joinedAt)", async () => {
    const [owner, heir, other] = [randomUUID(), randomUUID(), randomUUID()];
    const conv: ConversationRecord = { id: randomUUID(), kind: "group", name: "succession", createdAt: now(), lastSeq: 0 };
    const t0 = now();
    await a.createGroup(conv, [{ ...member(conv.id, owner, t0), role: "owner" }, member(conv.id, heir, new Date(t0.getTime() + 1000)),
      member(conv.id, other, new Date(t0.getTime() + 2000))]);
    const [, heirRecord] = await b.listMembers(conv.id);
    await b.removeMember(conv.id, owner, { ...heirRecord!, role: "owner" });
    expect((await a.listMembers(conv.id)).map((m) => [m.userId, m.role, m.joinedAt.getTime() - t0.getTime()])).toEqual([
      [heir, "owner", 1000], [other, "member", 2000],
    ]);
    expect(await a.listConversationIds(owner)).toEqual([]);
    expect(await a.listConversationIds(heir)).toEqual([conv.id]);
  });

  it("read marks only grow, whatever order concurrent advances land in", async () => {
    const u = randomUUID();
    const id = await group([u]);
    for (let i = 0; i < 30; i++) await a.appendMessage(message(id, `m${i}`));
    const mark = (deliveredSeq: number, readSeq: number) => ({ conversationId: id, userId: u, deliveredSeq, readSeq });
    expect(await a.advanceReadState(mark(5, 3))).toEqual(mark(5, 3));
    expect(await b.advanceReadState(mark(2, 1))).toEqual(mark(5, 3));
    expect(await b.advanceReadState(mark(0, 8))).toEqual(mark(8, 8)); // read implies delivered
    const marks = Array.from({ length: 40 }, (_, i) => mark((i * 7) % 30, (i * 11) % 25));
    await Promise.all(marks.map((m, i) => (i % 2 ? a : b).advanceReadState(m)));
    expect((await a.listReadStates(id)).filter((s) => s.userId === u)).toEqual([mark(29, 24)]);
  });

  it("a sender has read what they sent: their marks rise to their new message", async () => {
    const reader = randomUUID();
    const id = await group([reader]);
    await a.appendMessage(message(id, "one", "s0"));
    await b.appendMessage(message(id, "two", "s1"));
    await a.advanceReadState({ conversationId: id, userId: "s0", deliveredSeq: 2, readSeq: 0 });
    const states = await b.listReadStates(id);
    const byUser = Object.fromEntries(states.map((s) => [s.userId, [s.deliveredSeq, s.readSeq]]));
    expect(byUser).toEqual({ s0: [2, 1], s1: [2, 2] });
  });

  it("appends get seq 1, 2, 3... and a repeated client message id gets the first message back", async () => {
    const id = await group();
    const first = await a.appendMessage(message(id, "one", "s1", "c1"));
    expect(first).toEqual({ message: { ...message(id, "one", "s1", "c1"), sentAt: first.message.sentAt, seq: 1 }, duplicate: false });
    expect((await b.appendMessage(message(id, "two", "s1", "c2"))).message.seq).toBe(2);
    const again = await b.appendMessage({ ...message(id, "one (retried)", "s1", "c1") });
    expect(again).toEqual({ message: first.message, duplicate: true });
    // The id is per sender: another sender may use the same one.
    expect(await a.appendMessage(message(id, "three", "s2", "c1"))).toMatchObject({ message: { seq: 3 }, duplicate: false });
    expect((await b.getConversation(id))!.lastSeq).toBe(3);
    await expect(a.appendMessage(message(randomUUID(), "nowhere"))).rejects.toThrow();
  });

  it("200 concurrent appends on two nodes take seqs 1..200, each once, with no gap", async () => {
    const id = await group();
    const sent = Array.from({ length: 200 }, (_, i) => message(id, `m${i}`, `s${i % 3}`));
    const results = await Promise.all(sent.map((m, i) => (i % 2 ? a : b).appendMessage(m)));
    expect(results.every((r) => !r.duplicate)).toBe(true);
    expect(seqs(results.map((r) => r.message)).sort((x, y) => x - y)).toEqual(range(1, 200));
    const stored = await a.listMessages(id, { limit: 500, order: "asc" });
    expect(seqs(stored)).toEqual(range(1, 200));
    const bySeq = new Map(results.map((r) => [r.message.seq, r.message.clientMessageId]));
    expect(stored.every((m) => bySeq.get(m.seq) === m.clientMessageId)).toBe(true);
    expect(new Set(stored.map((m) => m.clientMessageId)).size).toBe(200);
    expect((await b.getConversation(id))!.lastSeq).toBe(200);
  });

  it("the same client message id sent concurrently from two nodes is stored once", async () => {
    const id = await group();
    await a.appendMessage(message(id, "before"));
    for (let round = 0; round < 5; round++) {
      const m = message(id, `dup${round}`, "s1", `same-${round}`);
      const results = await Promise.all([a.appendMessage(m), b.appendMessage(m), a.appendMessage(m), b.appendMessage(m)]);
      expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
      expect(new Set(results.map((r) => r.message.seq))).toEqual(new Set([round + 2]));
    }
    expect(seqs(await b.listMessages(id, { limit: 100, order: "asc" }))).toEqual(range(1, 6));
  });

  it("history pages walk across bucket boundaries in both directions", async () => {
    const id = await group();
    const total = 3 * bucketSize + 5;
    for (let i = 1; i <= total; i++) await (i % 2 ? a : b).appendMessage(message(id, `m${i}`));
    const cases: [Parameters<Store["listMessages"]>[1], number[]][] = [
      [{ limit: 12, order: "desc" }, range(total - 11, total).reverse()],
      [{ beforeSeq: 22, limit: 15, order: "desc" }, range(7, 21).reverse()],
      [{ beforeSeq: 4, limit: 15, order: "desc" }, [3, 2, 1]],
      [{ afterSeq: 0, limit: 25, order: "asc" }, range(1, 25)],
      [{ afterSeq: 8, beforeSeq: 31, limit: 100, order: "asc" }, range(9, 30)],
      [{ afterSeq: 8, beforeSeq: 31, limit: 100, order: "desc" }, range(9, 30).reverse()],
      [{ afterSeq: 19, limit: 1, order: "asc" }, [20]],
      [{ afterSeq: total, limit: 10, order: "asc" }, []],
      [{ afterSeq: 10, beforeSeq: 11, limit: 10, order: "asc" }, []],
      [{ beforeSeq: 1000, limit: 3, order: "desc" }, [total, total - 1, total - 2]],
    ];
    for (const [r, expected] of cases) expect(seqs(await b.listMessages(id, r)), JSON.stringify(r)).toEqual(expected);
    const page = await a.listMessages(id, { afterSeq: 9, limit: 2, order: "asc" });
    expect(page.map((m) => m.text)).toEqual(["m10", "m11"]);
    expect(await a.listMessages(randomUUID(), { limit: 10, order: "desc" })).toEqual([]);
    expect((await a.getConversation(id))!.lastSeq).toBe(total);
  });
});
