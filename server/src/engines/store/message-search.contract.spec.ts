import { randomUUID } from "node:crypto";
import { create, toBinary } from "@bufbuild/protobuf";
import { MessageSchema } from "@chat/gen/chat/v1/message_pb.js";
import { describe, expect, it } from "vitest";
import { tokenize } from "../../core/search/tokenize.ts";
import type { ConversationRecord, MessageRecord, NewMessage, Store, TargetChange } from "./interface.ts";
import { comparePositions, type MessageSearch, positionOf, type SearchPosition } from "./message-search.ts";
import { storeEngines, twoNodesOf } from "./store-engines.ts";

describe.each(storeEngines)("Message search contract: $name", ({ make }) => {
  const nodes = twoNodesOf(make);

  /** Distinct times, a second apart, from a fixed day, so that date filters and the order are known. */
  let clock = Date.UTC(2026, 0, 10);
  const tick = () => new Date((clock += 1000));
  async function group(): Promise<string> {
    const conv: ConversationRecord = { id: randomUUID(), kind: "group", name: "g", createdAt: new Date(), lastSeq: 0 };
    await nodes.a.createGroup(conv, ["s1", "s2"].map((userId) => ({ conversationId: conv.id, userId, role: "member", joinedAt: new Date() })));
    return conv.id;
  }
  const message = (conversationId: string, text: string, extra: Partial<NewMessage> = {}): NewMessage =>
    ({ conversationId, senderId: "s1", clientMessageId: randomUUID(), text, sentAt: tick(), ...extra });
  async function send(m: NewMessage, store: Store = nodes.a): Promise<MessageRecord> {
    return (await store.appendMessage(m)).message;
  }
  async function change(conversationId: string, c: TargetChange): Promise<void> {
    const r = await nodes.b.appendUpdate({ ...message(conversationId, ""), change: c, countable: false });
    expect(r.refused).toBeUndefined();
  }
  /** Texts of the hits, newest first. */
  async function find(search: Partial<MessageSearch> & { conversationIds: string[] }, store: Store = nodes.b): Promise<string[]> {
    const hits = await store.searchMessages({ words: [], prefixes: [], limit: 101, ...search });
    return hits.map((h) => h.text);
  }
  const words = (query: string) => tokenize(query).map((t) => t.word);
  const withFiles = (caption: string, types: string[]) => toBinary(MessageSchema, create(MessageSchema, {
    content: { case: "attachmentContent", value: {
      caption: { text: caption }, attachments: types.map((contentType, i) => ({ id: `f${i}`, fileName: `f${i}`, contentType, size: 1n })),
    } },
  }));

  it("finds messages that have every word, whole words only, newest first, from any node", async () => {
    const id = await group();
    for (const text of ["the quick brown fox", "a quick fox", "quickly, foxes!", "brown bread"]) await send(message(id, text));
    expect(await find({ conversationIds: [id], words: ["quick", "fox"] })).toEqual(["a quick fox", "the quick brown fox"]);
    expect(await find({ conversationIds: [id], words: ["brown"] }, nodes.a)).toEqual(["brown bread", "the quick brown fox"]);
    expect(await find({ conversationIds: [id], words: ["foxe"] })).toEqual([]);
    expect(await find({ conversationIds: [id], words: ["quick", "bread"] })).toEqual([]);
  });

  it("a prefix matches every word it starts, and words and prefixes combine", async () => {
    const id = await group();
    for (const text of ["category theory", "a cat", "catalogue of cats", "concatenate"]) await send(message(id, text));
    expect(await find({ conversationIds: [id], prefixes: ["cat"] })).toEqual(["catalogue of cats", "a cat", "category theory"]);
    expect(await find({ conversationIds: [id], prefixes: ["cat", "th"] })).toEqual(["category theory"]);
    expect(await find({ conversationIds: [id], words: ["of"], prefixes: ["ca"] })).toEqual(["catalogue of cats"]);
  });

  it("folds case and accents and cuts CJK text as the tokenizer does, with punctuation inside words kept", async () => {
    const id = await group();
    for (const text of ["Élan VITAL", "我爱北京天安门", "東京タワーに行きました", "don't stop", "pi is 3.14"]) await send(message(id, text));
    expect(await find({ conversationIds: [id], words: words("elan vital") })).toEqual(["Élan VITAL"]);
    expect(await find({ conversationIds: [id], words: words("ÉLAN") })).toEqual(["Élan VITAL"]);
    expect(await find({ conversationIds: [id], words: words("北京") })).toEqual(["我爱北京天安门"]);
    // Japanese is cut by dictionary words ("東京タワー" is one): its parts are found as prefixes.
    expect(await find({ conversationIds: [id], words: words("東京") })).toEqual([]);
    expect(await find({ conversationIds: [id], prefixes: words("東京") })).toEqual(["東京タワーに行きました"]);
    expect(await find({ conversationIds: [id], words: words("don't") })).toEqual(["don't stop"]);
    expect(await find({ conversationIds: [id], words: ["don"] })).toEqual([]);
    expect(await find({ conversationIds: [id], words: words("3.14") })).toEqual(["pi is 3.14"]);
    expect(await find({ conversationIds: [id], prefixes: ["3."] })).toEqual(["pi is 3.14"]);
  });

  it("filters by conversation, sender, attachment kind and time", async () => {
    const [one, two, other] = [await group(), await group(), await group()];
    await send(message(one, "report one"));
    await send(message(two, "report two", { senderId: "s2" }));
    await send(message(other, "report other"));
    const day = new Date(clock);
    await send(message(one, "report file", { content: withFiles("report file", ["application/pdf"]) }));
    await send(message(two, "report photo", { senderId: "s2", content: withFiles("report photo", ["application/pdf", "image/png"]) }));
    await send(message(one, "", { content: withFiles("", ["image/jpeg"]) }));
    const both = [one, two];
    expect(await find({ conversationIds: both, words: ["report"] })).toEqual(["report photo", "report file", "report two", "report one"]);
    expect(await find({ conversationIds: both, words: ["report"], senderIds: ["s2"] })).toEqual(["report photo", "report two"]);
    expect(await find({ conversationIds: both, words: ["report"], senderIds: [] })).toEqual([]);
    expect(await find({ conversationIds: both, words: ["report"], has: "file" })).toEqual(["report photo", "report file"]);
    expect(await find({ conversationIds: both, has: "image" })).toEqual(["", "report photo"]);
    expect(await find({ conversationIds: both, words: ["report"], sentFrom: day })).toEqual(["report photo", "report file"]);
    expect(await find({ conversationIds: both, words: ["report"], sentUntil: day })).toEqual(["report two", "report one"]);
    expect(await find({ conversationIds: [], words: ["report"] })).toEqual([]);
  });

  it("pages in SearchPosition order without repeats or gaps, also among messages sent at the same time", async () => {
    const convs = [await group(), await group(), await group()];
    const same = tick();
    const sent: MessageRecord[] = [];
    for (let i = 0; i < 30; i++) {
      // Every third message shares one time with others, across conversations.
      const sentAt = i % 3 === 0 ? same : tick();
      sent.push(await send(message(convs[i % 3]!, `page ${i}`, { sentAt }), i % 2 ? nodes.a : nodes.b));
    }
    await send(message(convs[0]!, "unrelated"));
    const expected = sent.map((m) => positionOf(m.sentAt, m.conversationId, m.seq)).sort(comparePositions);
    for (const limit of [1, 4, 7]) {
      const got: SearchPosition[] = [];
      let after: SearchPosition | undefined;
      for (let round = 0; round < 40; round++) {
        const hits = await nodes.b.searchMessages({ words: ["page"], prefixes: [], conversationIds: convs, limit, after });
        got.push(...hits.map((h) => positionOf(h.sentAt, h.conversationId, h.seq)));
        if (hits.length < limit) break;
        after = got.at(-1);
      }
      expect(got).toEqual(expected);
    }
  });

  it("an edit re-indexes a message (found by its new text only, in its current state); a delete removes it", async () => {
    const id = await group();
    const m = await send(message(id, "original wording"));
    const kept = await send(message(id, "original too"));
    await change(id, { kind: "edit", targetSeq: m.seq, text: "revised wording", content: undefined, at: tick() });
    expect(await find({ conversationIds: [id], words: ["original"] })).toEqual(["original too"]);
    const [edited] = await nodes.a.searchMessages({ words: ["revised"], prefixes: [], conversationIds: [id], limit: 10 });
    expect(edited).toMatchObject({ seq: m.seq, text: "revised wording", editedAt: expect.any(Date), sentAt: m.sentAt });
    await change(id, { kind: "reaction", targetSeq: m.seq, emoji: "👍", reacted: true, maxEmoji: 20 });
    expect((await nodes.a.searchMessages({ words: ["wording"], prefixes: [], conversationIds: [id], limit: 10 }))[0]?.reactions)
      .toEqual([{ emoji: "👍", userIds: ["s1"] }]);
    await change(id, { kind: "delete", targetSeq: m.seq, at: tick() });
    await change(id, { kind: "delete", targetSeq: kept.seq, at: tick() });
    expect(await find({ conversationIds: [id], words: ["wording"] })).toEqual([]);
    expect(await find({ conversationIds: [id] })).toEqual([]);
  });

  it("never finds system events or update entries, and indexes a retried append once", async () => {
    const id = await group();
    await send(message(id, "alice joined the group", { countable: false }));
    const m = message(id, "joined later");
    await send(m);
    await send({ ...m, sentAt: tick() }, nodes.b); // a retry: a duplicate
    await change(id, { kind: "reaction", targetSeq: 2, emoji: "👍", reacted: true, maxEmoji: 20 });
    expect(await find({ conversationIds: [id], words: ["joined"] })).toEqual(["joined later"]);
    expect(await find({ conversationIds: [id] })).toEqual(["joined later"]);
  });
});
