import { randomUUID } from "node:crypto";
import { create, toBinary } from "@bufbuild/protobuf";
import { MessageSchema } from "@chat/gen/chat/v1/message_pb.js";
import { describe, expect, it } from "vitest";
import type { MessageRecord, NewMessage, TargetChange } from "../interface.ts";
import type { MessageSearch } from "../message-search.ts";
import { storeEngines, twoNodesOf } from "../store-engines.ts";
import { cqlRequests } from "./cql.ts";
import { MessageSearchIndex } from "./message-search-index.ts";
import { cqlMigrations } from "./migrations.ts";
import { olderKeyspace } from "./older-keyspace.ts";
import { createScyllaStore } from "./scylla-store.ts";

// What is particular to the cluster store's index (the contract suite covers what both stores do, with
// the same 10-seq buckets): filters as terms across buckets, the cost per message, the work bound.
describe("Scylla message search", () => {
  const nodes = twoNodesOf(storeEngines.find((e) => e.name === "scylla")!.make);
  const a = () => nodes.a;
  const b = () => nodes.b;
  let clock = Date.parse("2026-01-01T00:00:00Z");
  const message = (conversationId: string, text: string, extra: Partial<NewMessage> = {}): NewMessage =>
    ({ conversationId, senderId: "s1", clientMessageId: randomUUID(), text, sentAt: new Date((clock += 1000)), ...extra });
  const update = (conversationId: string, change: TargetChange, senderId = "s1") =>
    ({ ...message(conversationId, "", { senderId, countable: false }), change });
  const search = (conversationIds: string[], s: Partial<MessageSearch>): MessageSearch =>
    ({ words: [], prefixes: [], conversationIds, limit: 100, ...s });
  const texts = (hits: MessageRecord[]) => hits.map((m) => m.text);
  async function group(): Promise<string> {
    const id = randomUUID();
    const at = new Date();
    await a().createGroup({ id, kind: "group", name: "g", createdAt: at, lastSeq: 0 },
      ["s1", "s2"].map((userId) => ({ conversationId: id, userId, role: "member" as const, joinedAt: at })));
    return id;
  }

  it("finds words, prefixes and filters across buckets and conversations, newest first, page by page", async () => {
    const [x, y] = [await group(), await group()];
    const photo = toBinary(MessageSchema, create(MessageSchema, { content: { case: "attachmentContent", value: {
      attachments: [{ id: "f", fileName: "p.png", contentType: "image/png", size: 1n }], caption: { text: "Élan photo" } } } }));
    for (let i = 0; i < 25; i++) {
      await (i % 2 ? b() : a()).appendMessage(message(i % 3 ? x : y, `note ${i} élan${i % 5 === 0 ? " rare" : ""}`, { senderId: i % 2 ? "s2" : "s1" }));
    }
    await a().appendMessage(message(x, "Élan photo", { content: photo }));
    await a().appendMessage(message(x, "rare event", { countable: false })); // a system event is never found

    const rare = await b().searchMessages(search([x, y], { words: ["rare"] }));
    expect(texts(rare)).toEqual(["note 20 élan rare", "note 15 élan rare", "note 10 élan rare", "note 5 élan rare", "note 0 élan rare"]);
    expect(texts(await a().searchMessages(search([x], { prefixes: ["el"], has: "image" })))).toEqual(["Élan photo"]);
    expect(texts(await a().searchMessages(search([x], { has: "file" })))).toEqual(["Élan photo"]);
    expect(texts(await a().searchMessages(search([y], { words: ["elan"], senderIds: ["s2"] })))).toEqual(
      ["note 21 élan", "note 15 élan rare", "note 9 élan", "note 3 élan"]);
    const dated = await a().searchMessages(search([x, y], { sentFrom: rare[3]!.sentAt, sentUntil: rare[1]!.sentAt, words: ["note"] }));
    expect(dated.map((m) => m.seq).length).toBe(10); // notes 5 to 14

    // Pages of 4 over both conversations: every hit once, in order.
    const all: MessageRecord[] = [];
    for (let page = await b().searchMessages(search([x, y], { prefixes: ["no"], limit: 4 })); page.length > 0;) {
      all.push(...page);
      const last = page.at(-1)!;
      page = await b().searchMessages(search([x, y], { prefixes: ["no"], limit: 4, after: { sentAt: last.sentAt, conversationId: last.conversationId, seq: last.seq } }));
    }
    expect(texts(all)).toEqual(Array.from({ length: 25 }, (_, i) => `note ${24 - i} élan${(24 - i) % 5 === 0 ? " rare" : ""}`));
  });

  it("re-indexes an edit, forgets a delete, and finds nothing of an update entry", async () => {
    const x = await group();
    const target = (await a().appendMessage(message(x, "first draft"))).message;
    await b().appendUpdate(update(x, { kind: "edit", targetSeq: target.seq, text: "second thought", content: undefined, at: new Date() }));
    expect(await a().searchMessages(search([x], { words: ["draft"] }))).toEqual([]);
    expect(await a().searchMessages(search([x], { words: ["second", "thought"] }))).toMatchObject([{ seq: target.seq, text: "second thought" }]);
    await a().appendUpdate(update(x, { kind: "delete", targetSeq: target.seq, at: new Date() }));
    expect(await b().searchMessages(search([x], { words: ["second"] }))).toEqual([]);
    expect(await b().searchMessages(search([x], {}))).toEqual([]);
  });

  it("costs one more request per batch of sends: the terms of its partition", async () => {
    const x = await group();
    await a().appendMessage(message(x, "warm up")); // the takeover and the sender's membership are read once
    const before = { ...cqlRequests };
    await a().appendMessage(message(x, "one two three four"));
    // The messages' batch (message, marks) and the terms' single-partition batch; no other request.
    expect({ batch: cqlRequests.batch - before.batch, statement: cqlRequests.statement - before.statement }).toEqual({ batch: 2, statement: 0 });
  });

  it("refuses a search past its work bound", async () => {
    const ids = Array.from({ length: 1_100 }, () => randomUUID()); // each with no bucket: one read each
    await expect(a().searchMessages(search(ids, { words: ["nothing"] }))).resolves.toEqual([]);
    await expect(a().searchMessages(search([...ids, ...ids.map(() => randomUUID())], { words: ["nothing"] })))
      .rejects.toThrow(/narrow it/);
  });
});

// Migration 9 indexes what was stored before it.
describe("Scylla message search: the migration indexes existing messages", () => {
  const { cluster, keyspace, atVersion } = olderKeyspace("msearch");

  it("a message written at version 8 is found after upgrading; a deleted one is not", async () => {
    const cql = await atVersion(8);
    const id = randomUUID();
    const row = "INSERT INTO messages (conversation_id, bucket, seq, sender_id, client_message_id, text, sent_at, deleted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
    for (const [seq, text, deleted] of [[1, "Old Times", null], [2, "", new Date()], [10, "old friends", null]] as const) {
      await cql.execute(row, [id, Math.floor(seq / 10), seq, "s1", `c${seq}`, text, new Date(1_700_000_000_000 + seq), deleted]);
    }
    await cql.close();
    const store = await createScyllaStore({ ...cluster, keyspace, bucketSize: 10 });
    try {
      const found = await store.searchMessages({ words: ["old"], prefixes: [], conversationIds: [id], limit: 10 });
      expect(found.map((m) => m.seq)).toEqual([10, 1]);
      expect((await store.searchMessages({ words: [], prefixes: [], conversationIds: [id], limit: 10 })).map((m) => m.seq)).toEqual([10, 1]);
    } finally {
      await store.close();
    }
  });
});

// A send whose message row landed but whose search rows did not (they are another request): its
// retry, answered as a duplicate after the takeover, writes them.
describe("Scylla message search: a retried send indexes its message again", () => {
  const { cluster, keyspace, atVersion } = olderKeyspace("mretry");

  it("finds a stored message once its retry was answered", async () => {
    const cql = await atVersion(cqlMigrations.length);
    const store = await createScyllaStore({ ...cluster, keyspace, bucketSize: 10 });
    try {
      const id = randomUUID();
      const at = new Date();
      await store.createGroup({ id, kind: "group", name: "g", createdAt: at, lastSeq: 0 }, [{ conversationId: id, userId: "s1", role: "member", joinedAt: at }]);
      const sent = { conversationId: id, senderId: "s1", clientMessageId: "c1", text: "lost index", sentAt: at };
      await cql.execute(`INSERT INTO messages (conversation_id, bucket, seq, sender_id, client_message_id, text, sent_at, counted, last_counted_seq)
        VALUES (?, 0, 1, ?, ?, ?, ?, 1, 1)`, [id, sent.senderId, sent.clientMessageId, sent.text, sent.sentAt]);
      const search = { words: ["lost"], prefixes: [], conversationIds: [id], limit: 10 };
      expect(await store.searchMessages(search)).toEqual([]);
      expect(await store.appendMessage(sent)).toMatchObject({ duplicate: true, message: { seq: 1 } });
      expect((await store.searchMessages(search)).map((m) => m.text)).toEqual(["lost index"]);
    } finally {
      await Promise.all([store.close(), cql.close()]);
    }
  });

  it("finds a message whose search rows failed to write though its send is never retried (the backlog retries it)", async () => {
    const cql = await atVersion(cqlMigrations.length);
    const logged: string[] = [];
    const store = await createScyllaStore({ ...cluster, keyspace, bucketSize: 10, searchRetryIntervalMs: 200, onError: (err) => logged.push(String(err)) });
    try {
      const id = randomUUID();
      const at = new Date();
      await store.createGroup({ id, kind: "group", name: "g", createdAt: at, lastSeq: 0 }, [{ conversationId: id, userId: "s1", role: "member", joinedAt: at }]);
      // The index table gone (a real refusal of the server): the message row lands, its search rows do not.
      await cql.execute("DROP TABLE message_terms");
      const sent = { conversationId: id, senderId: "s1", clientMessageId: "c1", text: "orphaned words", sentAt: at };
      await expect(store.appendMessage(sent)).rejects.toThrow();
      const createTerms = cqlMigrations.find((m) => m.name === "add_message_search")!.up[0] as string;
      await cql.execute(createTerms); // recovered
      const search = { words: ["orphaned"], prefixes: [], conversationIds: [id], limit: 10 };
      for (const deadline = Date.now() + 10_000; (await store.searchMessages(search)).length === 0;) {
        if (Date.now() > deadline) throw new Error(`not findable after 10 s; logged: ${logged.join(" | ")}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(logged.some((line) => line.includes("recorded for retry"))).toBe(true);
      expect((await cql.execute("SELECT seq FROM search_backlog WHERE conversation_id = ?", [id])).rowLength).toBe(0);
    } finally {
      await Promise.all([store.close(), cql.close()]);
    }
  });

  it("keeps a bucket's earliest and latest send time whatever order their writes land in", async () => {
    const cql = await atVersion(cqlMigrations.length);
    try {
      const index = new MessageSearchIndex(10);
      const id = randomUUID();
      for (const ms of [5_000, 9_000, 1_000, 7_000]) await cql.partitionBatch(index.bounds([{ conversationId: id, seq: 3, sentAt: new Date(1_764_000_000_000 + ms) }]));
      const row = (await cql.execute("SELECT min_sent_at, max_sent_at FROM message_buckets WHERE conversation_id = ? AND bucket = 0", [id])).first();
      expect([row.get("min_sent_at"), row.get("max_sent_at")]).toEqual([new Date(1_764_000_001_000), new Date(1_764_000_009_000)]);
    } finally {
      await cql.close();
    }
  });
});
