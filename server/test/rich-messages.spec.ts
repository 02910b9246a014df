import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { Client } from "cassandra-driver";
import { Direction, type Message, UpdateKind } from "@chat/gen/chat/v1/message_pb.js";
import { type TestUser, codeOf, newId, openStream, registerUser, startNode } from "./harness.ts";

/** The same server, on the embedded store and on the cluster store (Redis + Cassandra). */
const engines = [
  { name: "sqlite", args: (): string[] => [] },
  { name: "scylla", args: (keyspace: string): string[] => [
    "--redis-url", inject("redisUrl"), "--scylla-contact-points", inject("cassandraContactPoint"),
    "--scylla-datacenter", inject("cassandraDataCenter"), "--scylla-keyspace", keyspace,
  ] },
];

describe.each(engines)("rich messages on $name", ({ name, args }) => {
  const keyspace = `rich_${process.pid}_${Date.now() % 100_000}`;
  let server: Awaited<ReturnType<typeof startNode>>;
  let alice: TestUser, bob: TestUser, carol: TestUser, mallory: TestUser;
  let group: string;
  let direct: string;
  const send = (u: TestUser, text: string, conversationId = group, replyToSeq = 0n) =>
    u.clients.live.sendMessage({ conversationId, clientMessageId: newId(), text, replyToSeq });
  const history = async (u: TestUser, conversationId = group): Promise<Message[]> =>
    (await u.clients.history.listMessages({ conversationId, direction: Direction.FORWARD, limit: 500 })).messages;
  const bySeq = async (u: TestUser, seq: bigint, conversationId = group) => (await history(u, conversationId)).find((m) => m.seq === seq)!;

  beforeAll(async () => {
    server = await startNode({ args: args(keyspace) });
    [alice, bob, carol, mallory] = await Promise.all([registerUser(server, "alice"), registerUser(server, "bob"), registerUser(server, "carol"), registerUser(server, "mallory")]);
    group = (await alice.clients.conversations.createGroup({ name: "team", memberIds: [bob.id, carol.id] })).conversation!.id;
    direct = (await alice.clients.conversations.getOrCreateDirect({ userId: bob.id })).conversation!.id;
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    if (name !== "scylla") return;
    const client = new Client({ contactPoints: [inject("cassandraContactPoint")], localDataCenter: inject("cassandraDataCenter") });
    await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
    await client.shutdown();
  });

  it("serves every message with its content set and its text mirrored", async () => {
    const { seq } = await send(alice, "plain hello");
    const m = await bySeq(bob, seq);
    expect(m.content.case).toBe("textContent");
    expect(m.content.value).toMatchObject({ text: "plain hello", mentions: [] });
    expect(m.text).toBe("plain hello");
    expect(m.replyToSeq).toBe(0n);
    expect(m.replyPreview).toBeUndefined();
  });

  it("replies carry a preview of the parent as it is now, and a reply to nothing is NotFound", async () => {
    const long = `${"é".repeat(150)}${"x".repeat(100)}`;
    const parent = await send(alice, long);
    const s = await openStream(carol);
    const reply = await send(bob, "answer", group, parent.seq);
    const live = await s.until(() => s.of("message").find((m) => m.seq === reply.seq), 5_000, "the reply live");
    expect(live.replyToSeq).toBe(parent.seq);
    expect(live.replyPreview).toMatchObject({ senderId: alice.id, text: [...long].slice(0, 200).join(""), attachmentCount: 0, deleted: false });
    s.close();
    expect(await codeOf(send(bob, "to nothing", group, 100_000n))).toBe(Code.NotFound);
    await alice.clients.live.deleteMessage({ conversationId: group, seq: parent.seq, clientMessageId: newId() });
    const after = await bySeq(bob, reply.seq);
    expect(after.replyPreview).toMatchObject({ senderId: alice.id, text: "", deleted: true });
    expect(await codeOf(send(bob, "to a deleted one", group, parent.seq))).toBe(Code.FailedPrecondition);
  });

  it("edits: the author's change is an update entry, live and in history, sets edited_at, and a retry changes nothing twice", async () => {
    const { seq } = await send(alice, "tpyo");
    const s = await openStream(bob);
    const clientMessageId = newId();
    const res = await alice.clients.live.editMessage({ conversationId: group, seq, clientMessageId, text: "typo" });
    expect(res.ack!.seq).toBe(seq + 1n);
    expect(res.message).toMatchObject({ seq, text: "typo", content: { case: "textContent", value: { text: "typo" } } });
    expect(res.message!.editedAt).toBeDefined();
    const entry = await s.until(() => s.of("message").find((m) => m.seq === res.ack!.seq), 5_000, "the edit entry live");
    expect(entry.text).toBe("");
    expect(entry.content.case === "update" && entry.content.value).toMatchObject({ kind: UpdateKind.EDITED, targetSeq: seq, target: { seq, text: "typo" } });
    s.close();
    const again = await alice.clients.live.editMessage({ conversationId: group, seq, clientMessageId, text: "typo" });
    expect(again.ack!.seq).toBe(res.ack!.seq);
    const page = await history(carol);
    expect(page.find((m) => m.seq === seq)).toMatchObject({ text: "typo", editedAt: expect.anything() });
    expect(page.filter((m) => m.content.case === "update" && m.content.value.targetSeq === seq)).toHaveLength(1);
  });

  it("refuses every bad edit with its precise code", async () => {
    const { seq } = await send(alice, "mine");
    const edit = (u: TestUser, over: Partial<{ conversationId: string; seq: bigint; text: string; clientMessageId: string }> = {}) =>
      codeOf(u.clients.live.editMessage({ conversationId: group, seq, clientMessageId: newId(), text: "changed", ...over }));
    expect(await edit(bob)).toBe(Code.PermissionDenied);
    expect(await edit(mallory)).toBe(Code.NotFound);
    expect(await edit(alice, { text: "   " })).toBe(Code.InvalidArgument);
    expect(await edit(alice, { text: "x".repeat(64 * 1024 + 1) })).toBe(Code.InvalidArgument);
    expect(await edit(alice, { seq: 0n })).toBe(Code.InvalidArgument);
    expect(await edit(alice, { clientMessageId: "" })).toBe(Code.InvalidArgument);
    expect(await edit(alice, { seq: 1_000_000n })).toBe(Code.NotFound);
    expect(await edit(alice, { conversationId: "not-an-id" })).toBe(Code.InvalidArgument);
    const reacted = await bob.clients.live.setReaction({ conversationId: group, seq, clientMessageId: newId(), emoji: "👍", reacted: true });
    expect(await edit(alice, { seq: reacted.ack!.seq })).toBe(Code.FailedPrecondition); // an update entry
    await alice.clients.live.deleteMessage({ conversationId: group, seq, clientMessageId: newId() });
    expect(await edit(alice)).toBe(Code.FailedPrecondition);
  });

  it("limits edits per user per minute with ResourceExhausted and when to retry", async () => {
    const dave = await registerUser(server, "dave");
    await alice.clients.conversations.addMembers({ conversationId: group, userIds: [dave.id] });
    const { seq } = await send(dave, "draft");
    for (let i = 0; i < 10; i++) await dave.clients.live.editMessage({ conversationId: group, seq, clientMessageId: newId(), text: `draft ${i}` });
    const err = await dave.clients.live.editMessage({ conversationId: group, seq, clientMessageId: newId(), text: "one too many" }).catch((e: unknown) => ConnectError.from(e));
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.ResourceExhausted);
    expect(Number((err as ConnectError).metadata.get("retry-after-ms"))).toBeGreaterThan(0);
  });

  it("deletes: the author or a group admin, leaving a tombstone; again is a no-op; anyone else is refused", async () => {
    const byBob = await send(bob, "bob's");
    const byCarol = await send(carol, "carol's");
    await bob.clients.live.setReaction({ conversationId: group, seq: byBob.seq, clientMessageId: newId(), emoji: "🎉", reacted: true });
    const del = (u: TestUser, seq: bigint, conversationId = group) => u.clients.live.deleteMessage({ conversationId, seq, clientMessageId: newId() });
    expect(await codeOf(del(carol, byBob.seq))).toBe(Code.PermissionDenied); // a member, not the author
    expect(await codeOf(del(mallory, byBob.seq))).toBe(Code.NotFound); // not a member
    expect(await codeOf(del(bob, 0n))).toBe(Code.InvalidArgument);
    const own = await del(bob, byBob.seq); // the author
    expect(own.message).toMatchObject({ seq: byBob.seq, senderId: bob.id, text: "", content: { case: undefined }, reactions: [] });
    expect(own.message!.deletedAt).toBeDefined();
    const again = await del(bob, byBob.seq);
    expect(again.ack!.seq).toBe(own.ack!.seq);
    expect(again.message).toEqual(own.message);
    const byAdmin = await del(alice, byCarol.seq); // the group's owner
    expect(byAdmin.message!.deletedAt).toBeDefined();
    const dm = await send(bob, "direct", direct);
    expect(await codeOf(del(alice, dm.seq, direct))).toBe(Code.PermissionDenied); // no admins in a direct conversation
    expect(await codeOf(bob.clients.live.setReaction({ conversationId: group, seq: byBob.seq, clientMessageId: newId(), emoji: "👍", reacted: true })))
      .toBe(Code.FailedPrecondition);
    const tomb = await bySeq(carol, byBob.seq);
    expect(tomb).toMatchObject({ text: "", content: { case: undefined }, reactions: [], sentAt: own.message!.sentAt });
  });

  it("reactions: members add and remove one per emoji, shown with counts and who; bad ones are refused", async () => {
    const { seq } = await send(alice, "react to me");
    const react = (u: TestUser, emoji: string, reacted = true, target = seq) =>
      u.clients.live.setReaction({ conversationId: group, seq: target, clientMessageId: newId(), emoji, reacted });
    await react(bob, "👍");
    await react(carol, "👍");
    const res = await react(carol, "👨‍👩‍👧");
    expect(res.message!.reactions.map((r) => [r.emoji, r.count, r.userIds])).toEqual([["👍", 2, [bob.id, carol.id]], ["👨‍👩‍👧", 1, [carol.id]]]);
    const noop = await react(bob, "👍");
    expect(noop.message!.reactions[0]!.count).toBe(2);
    const removed = await react(bob, "👍", false);
    expect(removed.message!.reactions.map((r) => [r.emoji, r.userIds])).toEqual([["👍", [carol.id]], ["👨‍👩‍👧", [carol.id]]]);
    for (const bad of ["", "a", "👍👍", "👍 ", "x".repeat(33)]) expect(await codeOf(react(bob, bad)), bad).toBe(Code.InvalidArgument);
    expect(await codeOf(react(mallory, "👍"))).toBe(Code.NotFound);
    expect(await codeOf(react(bob, "👍", true, 1_000_000n))).toBe(Code.NotFound);
    expect((await bySeq(alice, seq)).reactions.map((r) => r.count)).toEqual([1, 1]);
  });

  it("limits the distinct emoji of one message with ResourceExhausted", async () => {
    const { seq } = await send(alice, "many");
    const emoji = [..."😀😁😂🤣😃😄😅😆😉😊😋😎😍😘🥰😗😙🥲😚🙂🤗"];
    for (const e of emoji.slice(0, 20)) await bob.clients.live.setReaction({ conversationId: group, seq, clientMessageId: newId(), emoji: e, reacted: true });
    expect(await codeOf(carol.clients.live.setReaction({ conversationId: group, seq, clientMessageId: newId(), emoji: emoji[20]!, reacted: true })))
      .toBe(Code.ResourceExhausted);
    await carol.clients.live.setReaction({ conversationId: group, seq, clientMessageId: newId(), emoji: emoji[0]!, reacted: true }); // one carried already
  });

  it("a device offline during an edit, a delete and a reaction gets them on resume, in their current state", async () => {
    const first = await send(alice, "first");
    const second = await send(alice, "second");
    await alice.clients.live.editMessage({ conversationId: group, seq: first.seq, clientMessageId: newId(), text: "first, edited" });
    await carol.clients.live.setReaction({ conversationId: group, seq: first.seq, clientMessageId: newId(), emoji: "❤️", reacted: true });
    await alice.clients.live.editMessage({ conversationId: group, seq: second.seq, clientMessageId: newId(), text: "second, edited" });
    await alice.clients.live.deleteMessage({ conversationId: group, seq: second.seq, clientMessageId: newId() });
    const s = await openStream(bob);
    s.send({ frame: { case: "resume", value: { cursors: [{ conversationId: group, seq: second.seq }] } } });
    await s.until(() => s.of("resumeComplete")[0], 5_000, "the replay");
    const entries = s.of("message").filter((m) => m.content.case === "update").map((m) => m.content.value as { kind: UpdateKind; target?: Message });
    expect(entries.map((e) => e.kind)).toEqual([UpdateKind.EDITED, UpdateKind.REACTION, UpdateKind.EDITED, UpdateKind.DELETED]);
    expect(entries[0]!.target).toMatchObject({ seq: first.seq, text: "first, edited", reactions: [{ emoji: "❤️", count: 1 }] });
    // The old edit of the second message is replayed with the message as it is now: deleted.
    for (const e of entries.slice(2)) expect(e.target).toMatchObject({ seq: second.seq, text: "", content: { case: undefined } });
    expect(entries[3]!.target!.deletedAt).toBeDefined();
    s.close();
  });

  it("answers edit, delete and reaction frames on the stream with an ack, and a refusal with a FrameError", async () => {
    const { seq } = await send(bob, "via stream");
    const s = await openStream(bob);
    s.send({ requestId: "e", frame: { case: "edit", value: { conversationId: group, seq, clientMessageId: newId(), text: "edited on the stream" } } });
    s.send({ requestId: "r", frame: { case: "reaction", value: { conversationId: group, seq, clientMessageId: newId(), emoji: "🔥", reacted: true } } });
    s.send({ requestId: "bad", frame: { case: "reaction", value: { conversationId: group, seq, clientMessageId: "cm-bad", emoji: "no", reacted: true } } });
    s.send({ requestId: "d", frame: { case: "delete", value: { conversationId: group, seq, clientMessageId: newId() } } });
    const acks = await s.until(() => { const a = s.frames.filter((f) => f.frame.case === "ack" && ["e", "r", "d"].includes(f.requestId)); return a.length === 3 && a; }, 5_000, "three acks");
    expect(acks.map((f) => f.requestId)).toEqual(["e", "r", "d"]);
    const err = await s.until(() => s.frames.find((f) => f.requestId === "bad"));
    expect(err.frame.case === "error" && err.frame.value).toMatchObject({ code: Code.InvalidArgument, clientMessageId: "cm-bad" });
    s.close();
  });

  it("a delete erases the body from the store: the row, and on SQLite the files too, hold no trace of the text", async () => {
    const marker = `secret${newId().replaceAll("-", "")}`;
    const { seq } = await send(alice, `the ${marker} text`);
    await bob.clients.live.setReaction({ conversationId: group, seq, clientMessageId: newId(), emoji: "👀", reacted: true });
    await alice.clients.live.editMessage({ conversationId: group, seq, clientMessageId: newId(), text: `edited ${marker}` });
    await alice.clients.live.deleteMessage({ conversationId: group, seq, clientMessageId: newId() });
    if (name === "sqlite") {
      const file = join(server.dataDir, "chat.sqlite");
      // Zeroed in the pages (secure_delete) and the WAL checkpointed after the delete: not in any file.
      const anywhere = () => [file, `${file}-wal`].some((f) => existsSync(f) && readFileSync(f).includes(marker));
      await expect.poll(anywhere, { timeout: 5_000 }).toBe(false);
      const db = new DatabaseSync(file, { readOnly: true });
      try {
        expect(db.prepare("SELECT text, content, deleted_at FROM messages WHERE conversation_id = ? AND seq = ?").get(group, seq))
          .toMatchObject({ text: "", content: null, deleted_at: expect.any(Number) });
        expect(db.prepare("SELECT count(*) AS n FROM messages WHERE CAST(content AS TEXT) LIKE ? OR text LIKE ?").get(`%${marker}%`, `%${marker}%`)).toEqual({ n: 0 });
        expect(db.prepare("SELECT count(*) AS n FROM reactions_by_message WHERE conversation_id = ? AND seq = ?").get(group, seq)).toEqual({ n: 0 });
      } finally {
        db.close();
      }
      return;
    }
    const client = new Client({ contactPoints: [inject("cassandraContactPoint")], localDataCenter: inject("cassandraDataCenter"), keyspace });
    try {
      const rows = (await client.execute("SELECT seq, text, content, deleted_at FROM messages WHERE conversation_id = ? AND bucket = 0", [group], { prepare: true })).rows;
      const row = rows.find((r) => Number(r.get("seq")) === Number(seq))!;
      expect({ text: row.get("text"), content: row.get("content") }).toEqual({ text: "", content: null });
      expect(row.get("deleted_at")).toBeInstanceOf(Date);
      expect(rows.filter((r) => `${r.get("text")}${r.get("content")?.toString("latin1") ?? ""}`.includes(marker))).toEqual([]);
      const reactions = await client.execute("SELECT * FROM reactions_by_message WHERE conversation_id = ? AND bucket = 0 AND seq = ?", [group, Number(seq)], { prepare: true });
      expect(reactions.rowLength).toBe(0);
    } finally {
      await client.shutdown();
    }
  });
});
