import { mkdtempSync, rmSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { migrateSqlite, sqliteMigrations } from "./migrations.ts";
import { createSqliteStore } from "./sqlite-store.ts";

describe("embedded store: the migration that adds message search", () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("indexes the messages stored before it: countable and not deleted ones only", async () => {
    dir = mkdtempSync(join(tmpdir(), "sqlite-search-"));
    const path = join(dir, "chat.sqlite");
    const before = sqliteMigrations.findIndex((m) => m.name === "add_message_search");
    const old = new DatabaseSync(path);
    migrateSqlite(old, sqliteMigrations.slice(0, before));
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
});
