import { mkdtempSync, rmSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { migrateSqlite, sqliteMigrations } from "./migrations.ts";
import { createSqliteStore } from "./sqlite-store.ts";

describe("embedded store: message search", () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A database file migrated up to, not including, the named migration: as an older release left it. */
  const databaseBefore = (migration: string) => {
    dir = mkdtempSync(join(tmpdir(), "sqlite-search-"));
    const path = join(dir, "chat.sqlite");
    const old = new DatabaseSync(path);
    migrateSqlite(old, sqliteMigrations.slice(0, sqliteMigrations.findIndex((m) => m.name === migration)));
    return { path, old };
  };

  it("finds a word that is common elsewhere but rare in the caller's conversations, past the words-only budget", async () => {
    dir = mkdtempSync(join(tmpdir(), "sqlite-search-"));
    const store = createSqliteStore({ path: join(dir, "chat.sqlite") });
    try {
      const at = new Date(0);
      const groups = ["c0", "c1", "c2", "c3", "c4", "elsewhere"];
      for (const id of groups) await store.createGroup({ id, kind: "group", name: id, createdAt: at, lastSeq: 0 }, []);
      const send = (conversationId: string, i: number) =>
        store.appendMessage({ conversationId, senderId: "u1", clientMessageId: `${conversationId}-${i}`, text: `common ${i}`, sentAt: new Date(1_000 + i) });
      for (let i = 0; i < 4; i++) await send(groups[i]!, i);
      // Newer than those: 2,500 hits in a conversation the search does not span.
      await Promise.all(Array.from({ length: 2_500 }, (_, i) => send("elsewhere", 10 + i)));
      const hits = await store.searchMessages({ words: ["common"], prefixes: [], conversationIds: groups.slice(0, 5), limit: 3 });
      expect(hits.map((h) => h.text)).toEqual(["common 3", "common 2", "common 1"]);
    } finally {
      await store.close();
    }
  });

  it("indexes the messages stored before it: countable and not deleted ones only", async () => {
    const { path, old } = databaseBefore("add_message_search");
    old.exec(`INSERT INTO conversations (id, kind, name, created_at, last_seq) VALUES ('c1', 'group', 'g', 0, 4);
      INSERT INTO messages (conversation_id, seq, sender_id, client_message_id, text, sent_at, counted, last_counted_seq, deleted_at) VALUES
        ('c1', 1, 'u1', 'm1', 'Café olé', 1000, NULL, NULL, NULL),
        ('c1', 2, 'u1', 'm2', 'café event', 2000, 1, 1, NULL),
        ('c1', 3, 'u1', 'm3', '', 3000, 2, 3, 4000),
        ('c1', 4, 'u2', 'm4', 'another cafe', 4000, 3, 4, NULL);`);
    old.close();

    const store = createSqliteStore({ path });
    try {
      const hits = await store.searchMessages({ words: ["cafe"], prefixes: [], conversationIds: ["c1"], limit: 10 });
      expect(hits.map((h) => h.seq)).toEqual([4, 1]);
      expect(await store.searchMessages({ words: [], prefixes: [], conversationIds: ["c1"], limit: 10 })).toHaveLength(2);
    } finally {
      await store.close();
    }
  });

  it("indexes, edits and deletes messages within one batch, the doc ids of one millisecond apart", async () => {
    dir = mkdtempSync(join(tmpdir(), "sqlite-search-"));
    const store = createSqliteStore({ path: join(dir, "chat.sqlite") });
    try {
      const at = new Date(5_000);
      await store.createGroup({ id: "c1", kind: "group", name: "g", createdAt: at, lastSeq: 0 }, []);
      const message = (i: number, text: string) => ({ conversationId: "c1", senderId: "u1", clientMessageId: `m${i}`, text, sentAt: at });
      const edit = (i: number, targetSeq: number, text: string) =>
        store.appendUpdate({ ...message(i, ""), countable: false, change: { kind: "edit", targetSeq, text, content: undefined, at } });
      // Written in one batch: the FTS5 changes of a batch are applied at its end (applyPendingTerms).
      const results = await Promise.all([
        store.appendMessage(message(1, "alpha one")), store.appendMessage(message(2, "alpha two")), edit(3, 1, "beta one"),
        store.appendUpdate({ ...message(4, ""), countable: false, change: { kind: "delete", targetSeq: 2, at } }),
        store.appendMessage(message(5, "alpha three")),
      ]);
      expect(results.map((r) => ("message" in r ? r.message.seq : r))).toEqual([1, 2, 3, 4, 5]);
      const search = async (words: string[]) =>
        (await store.searchMessages({ words, prefixes: [], conversationIds: ["c1"], limit: 10 })).map((m) => m.seq);
      expect(await search(["alpha"])).toEqual([5]);
      expect(await search(["beta"])).toEqual([1]);
      await edit(6, 1, "gamma one");
      expect(await search(["beta"])).toEqual([]);
      expect(await search(["gamma"])).toEqual([1]);
      expect(await search([])).toEqual([5, 1]);
    } finally {
      await store.close();
    }
  });

  it("keeps the index of a database from before migration 11: its rows found, edited, deleted (by their millisecond)", async () => {
    const { path, old } = databaseBefore("drop_search_docs_by_message");
    // As the releases before wrote them: a doc row by message, its terms under its doc id (sentAt * 2048 + n).
    const filters = "\u{F0100}cc1 \u{F0100}su1";
    old.exec(`INSERT INTO conversations (id, kind, name, created_at, last_seq) VALUES ('c1', 'group', 'g', 0, 2);
      INSERT INTO messages (conversation_id, seq, sender_id, client_message_id, text, sent_at, counted, last_counted_seq) VALUES
        ('c1', 1, 'u1', 'm1', 'hello there', 1000, 1, 1), ('c1', 2, 'u1', 'm2', 'hello again', 1000, 2, 2);
      INSERT INTO message_search_docs VALUES (2048000, 'c1', 1), (2048001, 'c1', 2);
      INSERT INTO message_search (rowid, terms) VALUES (2048000, 'hello there ${filters}'), (2048001, 'hello again ${filters}');`);
    old.close();

    const store = createSqliteStore({ path });
    try {
      const search = async (words: string[]) =>
        (await store.searchMessages({ words, prefixes: [], conversationIds: ["c1"], limit: 10 })).map((m) => m.seq);
      expect(await search(["hello"])).toEqual([2, 1]);
      const entry = (i: number) => ({ conversationId: "c1", senderId: "u1", clientMessageId: `m${i}`, text: "", sentAt: new Date(9_000), countable: false });
      await store.appendUpdate({ ...entry(3), change: { kind: "edit", targetSeq: 1, text: "goodbye", content: undefined, at: new Date(9_000) } });
      await store.appendUpdate({ ...entry(4), change: { kind: "delete", targetSeq: 2, at: new Date(9_000) } });
      expect(await search(["hello"])).toEqual([]);
      expect(await search(["goodbye"])).toEqual([1]);
    } finally {
      await store.close();
    }
  });
});
