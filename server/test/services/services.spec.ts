import { randomUUID } from "node:crypto";
import { Client } from "cassandra-driver";
import { Redis } from "ioredis";
import { afterAll, describe, expect, inject, it } from "vitest";
import { startRedis } from "./redis.ts";

// Proves the harness hands out working, real servers. The shared ones come from global-setup.ts.

describe("shared Redis from global setup", () => {
  it("stores and reads a key", async () => {
    const redis = new Redis(inject("redisUrl"), { lazyConnect: true });
    await redis.connect();
    try {
      const key = `services-spec:${randomUUID()}`;
      await redis.set(key, "hello", "EX", 60);
      expect(await redis.get(key)).toBe("hello");
      expect(process.env.CHAT_TEST_REDIS_URL).toBe(inject("redisUrl"));
    } finally {
      redis.disconnect();
    }
  });
});

describe("shared Cassandra from global setup", () => {
  // A keyspace per run keeps parallel files and reruns from seeing each other's rows.
  const keyspace = `services_spec_${randomUUID().replaceAll("-", "")}`;
  const client = new Client({
    contactPoints: [inject("cassandraContactPoint")],
    localDataCenter: inject("cassandraDataCenter"),
  });

  afterAll(async () => {
    await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`).catch(() => undefined);
    await client.shutdown();
  });

  it("creates a keyspace and a table, writes a row and reads it back", async () => {
    await client.connect();
    const version = (await client.execute("SELECT release_version FROM system.local")).first();
    expect(String(version?.get("release_version"))).toMatch(/^5\.0\./);

    await client.execute(
      `CREATE KEYSPACE ${keyspace} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
    );
    await client.execute(
      `CREATE TABLE ${keyspace}.messages (room text, id timeuuid, body text, PRIMARY KEY (room, id))` +
        " WITH CLUSTERING ORDER BY (id DESC)",
    );
    const insert = `INSERT INTO ${keyspace}.messages (room, id, body) VALUES (?, now(), ?)`;
    await client.execute(insert, ["lobby", "first"], { prepare: true });
    await client.execute(insert, ["lobby", "second"], { prepare: true });

    const rows = await client.execute(`SELECT body FROM ${keyspace}.messages WHERE room = ?`, ["lobby"], {
      prepare: true,
    });
    expect(rows.rows.map((row) => row.get("body"))).toEqual(["second", "first"]);
    expect(process.env.CHAT_TEST_CASSANDRA).toBe(inject("cassandraContactPoint"));
  });
});

describe("startRedis().restart()", () => {
  it("comes back on the same URL with every key gone", async () => {
    // A private server: restarting the shared one would pull the rug from other test files.
    const server = await startRedis();
    try {
      const before = new Redis(server.url, { lazyConnect: true });
      await before.connect();
      await before.set("survives", "no");
      expect(await before.get("survives")).toBe("no");
      // Closed first, so its reconnect attempts while the server is down do not log errors.
      await before.quit();

      await server.restart();

      const after = new Redis(server.url, { lazyConnect: true });
      await after.connect();
      try {
        expect(await after.get("survives")).toBeNull();
        expect(await after.dbsize()).toBe(0);
      } finally {
        after.disconnect();
      }
    } finally {
      await server.stop();
    }
  });
});
