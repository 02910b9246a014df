import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { bucketSize, storeEngines, twoNodesOf } from "./store-engines.ts";
import type { MemberRecord, NewMessage, Store, TargetChange } from "./interface.ts";

/**
 * The store contract of rich messages, on every engine: content and replies stored as given, update
 * entries applied to their target in the same write and refused (using no seq) when the target's
 * state does not allow them, reactions in order, and every read in the current state.
 */
describe.each(storeEngines)("Store contract, rich messages: $name", ({ make }) => {
  const nodes = twoNodesOf(make);
  let a: Store;
  let b: Store;
  beforeAll(() => {
    ({ a, b } = nodes);
  });

  const now = () => new Date(Math.floor(Date.now() / 1000) * 1000);
  async function group(): Promise<string> {
    const id = randomUUID();
    const member = (userId: string): MemberRecord => ({ conversationId: id, userId, role: "member", joinedAt: now() });
    await a.createGroup({ id, kind: "group", name: "g", createdAt: now(), lastSeq: 0 }, ["s1", "s2"].map(member));
    return id;
  }
  const message = (conversationId: string, text: string, senderId = "s1", more: Partial<NewMessage> = {}): NewMessage =>
    ({ conversationId, senderId, clientMessageId: randomUUID(), text, sentAt: now(), ...more });
  const update = (conversationId: string, senderId: string, change: TargetChange, clientMessageId = randomUUID()) =>
    ({ conversationId, senderId, clientMessageId, text: "", sentAt: now(), content: Uint8Array.of(82, 0), change });
  const react = (targetSeq: number, emoji: string, reacted = true, maxEmoji = 20): TargetChange => ({ kind: "reaction", targetSeq, emoji, reacted, maxEmoji });
  const stored = async (s: Store, m: NewMessage) => (await s.appendMessage(m)).message;

  it("stores content and reply_to_seq as given, and a plain text reads back exactly as appended", async () => {
    const id = await group();
    const plain = await stored(a, message(id, "plain"));
    const rich = await stored(b, message(id, "caption", "s2", { content: Uint8Array.of(1, 2, 3), replyToSeq: plain.seq }));
    expect(await a.getMessages(id, [rich.seq, plain.seq, 99])).toEqual([plain, rich]);
    expect(await b.listMessages(id, { limit: 10, order: "asc" })).toEqual([plain, rich]);
  });

  it("applies edits, deletes and reactions to the target in the entry's write, each with its own seq", async () => {
    const id = await group();
    const target = await stored(a, message(id, "first"));
    const at = now();
    const edit = await b.appendUpdate(update(id, "s1", { kind: "edit", targetSeq: target.seq, text: "second", content: Uint8Array.of(9), at }));
    expect(edit).toMatchObject({ message: { seq: 2, text: "", content: Uint8Array.of(82, 0) }, duplicate: false });
    for (const [s, sender, emoji, on] of [[a, "s2", "👍", true], [b, "s1", "🎉", true], [a, "s1", "👍", true], [b, "s2", "👍", false]] as const) {
      expect(await s.appendUpdate(update(id, sender, react(target.seq, emoji, on)))).toMatchObject({ duplicate: false });
    }
    const [current] = await b.getMessages(id, [target.seq]);
    expect(current).toMatchObject({ text: "second", content: Uint8Array.of(9), editedAt: at, lastUpdateSeq: 6,
      // 👍 was first used by s2, who took it back: of the reactions there now, 🎉 came first.
      reactions: [{ emoji: "🎉", userIds: ["s1"] }, { emoji: "👍", userIds: ["s1"] }] });
    const deleted = await a.appendUpdate(update(id, "s2", { kind: "delete", targetSeq: target.seq, at }));
    expect(deleted).toMatchObject({ message: { seq: 7 } });
    const [tomb] = await a.listMessages(id, { limit: 1, order: "asc" });
    expect(tomb).toEqual({ conversationId: id, seq: 1, senderId: "s1", clientMessageId: target.clientMessageId, text: "", sentAt: target.sentAt,
      editedAt: at, deletedAt: at, lastUpdateSeq: 7 }); // no content, no reactions
    expect((await b.getConversation(id))!.lastSeq).toBe(7);
  });

  it("refuses a change the target does not allow, using no seq; a retry of a stored one is a duplicate", async () => {
    const id = await group();
    const target = await stored(a, message(id, "t"));
    const edit = (senderId: string, targetSeq = target.seq) =>
      update(id, senderId, { kind: "edit", targetSeq, text: "x", content: undefined, at: now() });
    expect(await b.appendUpdate(edit("s2"))).toEqual({ refused: "notAuthor" });
    expect(await b.appendUpdate(edit("s1", 42))).toEqual({ refused: "missing" });
    for (let i = 0; i < 3; i++) await a.appendUpdate(update(id, "s2", react(target.seq, String(i), true, 3)));
    expect(await b.appendUpdate(update(id, "s1", react(target.seq, "new", true, 3)))).toEqual({ refused: "tooManyReactions" });
    expect(await b.appendUpdate(update(id, "s1", react(target.seq, "1", true, 3)))).toMatchObject({ duplicate: false });
    const del = update(id, "s1", { kind: "delete", targetSeq: target.seq, at: now() });
    const first = await a.appendUpdate(del);
    expect(await b.appendUpdate(del)).toEqual({ ...first, duplicate: true });
    expect(await a.appendUpdate(edit("s1"))).toEqual({ refused: "deleted" });
    expect(await b.appendUpdate(update(id, "s1", react(target.seq, "1")))).toEqual({ refused: "deleted" });
    expect((await a.getConversation(id))!.lastSeq).toBe(first.refused ? -1 : first.message.seq);
  });

  it("judges racing updates one after the other: of a delete and edits sent at once, none lands after the delete", async () => {
    const id = await group();
    const target = await stored(a, message(id, "race"));
    const changes = Array.from({ length: 12 }, (_, i) => i === 5
      ? update(id, "s1", { kind: "delete", targetSeq: target.seq, at: now() })
      : update(id, "s1", { kind: "edit", targetSeq: target.seq, text: `e${i}`, content: undefined, at: now() }));
    const results = await Promise.all(changes.map((c, i) => (i % 2 ? a : b).appendUpdate(c)));
    const landed = results.flatMap((r, i) => (r.refused ? [] : [{ seq: r.message.seq, kind: changes[i]!.change.kind }])).sort((x, y) => x.seq - y.seq);
    expect(landed.at(-1)!.kind).toBe("delete");
    expect(landed.map((l) => l.seq)).toEqual(landed.map((_, i) => i + 2)); // no seq used by a refusal
    expect(results.filter((r) => r.refused).every((r) => r.refused === "deleted")).toBe(true);
    const [tomb] = await b.getMessages(id, [target.seq]);
    expect(tomb).toMatchObject({ text: "", deletedAt: expect.any(Date) });
    expect(tomb!.content).toBeUndefined();
  });

  it("reads reactions of a page across partitions, and a target in another bucket than its entry", async () => {
    const id = await group();
    for (let i = 0; i < bucketSize * 2; i++) await a.appendMessage(message(id, `m${i}`));
    await b.appendUpdate(update(id, "s2", react(3, "👍")));
    await a.appendUpdate(update(id, "s2", react(bucketSize + 4, "👀")));
    const page = await b.listMessages(id, { limit: 100, order: "desc" });
    expect(page.filter((m) => (m.reactions ?? []).length > 0).map((m) => [m.seq, m.reactions![0]!.emoji])).toEqual([[bucketSize + 4, "👀"], [3, "👍"]]);
  });
});
