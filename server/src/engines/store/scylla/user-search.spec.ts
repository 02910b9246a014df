import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, inject, it } from "vitest";
import { types } from "cassandra-driver";
import { connectCql } from "./cql.ts";
import { cqlMigrations } from "./migrations.ts";
import { createKeyspace, migrate } from "./schema.ts";
import { createScyllaStore } from "./scylla-store.ts";

// What the contract suite cannot reach: users created before migration 5 are found once it ran.
describe("Scylla user search: the migration indexes existing accounts", () => {
  const keyspace = `search_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const cluster = { contactPoints: [inject("cassandraContactPoint")], localDataCenter: inject("cassandraDataCenter") };
  const connect = (ks?: string) => connectCql({
    ...cluster, ...(ks ? { keyspace: ks } : {}), consistency: types.consistencies.localQuorum, serialConsistency: types.consistencies.localSerial,
  });

  afterAll(async () => {
    const admin = await connect();
    await admin.client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
    await admin.close();
  });

  it("a user written at version 4 is found after upgrading", async () => {
    const admin = await connect();
    await createKeyspace(admin, keyspace, { strategy: "SimpleStrategy", replicationFactor: 1 });
    await admin.close();
    const cql = await connect(keyspace);
    await migrate(cql, { bucketSize: 10, migrations: cqlMigrations.slice(0, 4) });
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
