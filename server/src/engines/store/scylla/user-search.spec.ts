import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { cqlMigrations } from "./migrations.ts";
import { migrate } from "./schema.ts";
import { olderKeyspace } from "./older-keyspace.ts";
import { createScyllaStore } from "./scylla-store.ts";

// What the contract suite cannot reach: users created before migration 5 are found once it ran.
describe("Scylla user search: the migration indexes existing accounts", () => {
  const { cluster, keyspace, atVersion } = olderKeyspace("search");

  it("a user written at version 4 is found after upgrading", async () => {
    const cql = await atVersion(4);
    const id = randomUUID();
    await cql.execute("INSERT INTO users (id, username, display_name, password_hash, created_at) VALUES (?, ?, ?, ?, ?)",
      [id, "old.timer", "Ada Lovelace", "", new Date()]);
    expect((await migrate(cql, { bucketSize: 10, migrations: cqlMigrations.slice(0, 5) })).applied.map((m) => m.name)).toEqual(["add_user_search"]);
    await cql.close();
    const store = await createScyllaStore({ ...cluster, keyspace, bucketSize: 10 });
    try {
      for (const prefix of ["old", "timer", "ada", "love"]) {
        expect((await store.searchUsers({ prefix, afterUsername: "", limit: 5 })).map((u) => u.id)).toEqual([id]);
      }
    } finally {
      await store.close();
    }
  });
});
