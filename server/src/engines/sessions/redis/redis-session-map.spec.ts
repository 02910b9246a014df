import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, describe, expect, inject, it } from "vitest";
import { createRedisSessionMap } from "./redis-session-map.ts";

describe("Redis session map keys", () => {
  const keyPrefix = `test:${randomUUID()}:`;
  const raw = new Redis(inject("redisUrl"));
  const map = createRedisSessionMap({ url: inject("redisUrl"), ttlMs: 10_000, keyPrefix });
  afterAll(async () => {
    await map.close();
    raw.disconnect();
  });

  // Last-seen times never expire, so they are the one durable thing the map keeps in Redis: an
  // upgrade must read the previous release's keys, which Cluster support left unchanged on one Redis.
  it("on one Redis keeps the previous release's key names, so an upgrade keeps every last-seen time", async () => {
    const [gone, here] = [randomUUID(), randomUUID()];
    await raw.set(`${keyPrefix}seen:${gone}`, "1700000000000");
    expect(await map.presence([gone])).toEqual([{ userId: gone, online: false, lastSeen: new Date(1_700_000_000_000) }]);
    await map.add({ userId: here, deviceId: "d", connectionId: "c", nodeId: "n" });
    expect(await raw.zrange(`${keyPrefix}sessions:${here}`, "0", "-1")).toEqual(["n|c"]);
    expect(await raw.zscore(`${keyPrefix}expiry`, here)).not.toBeNull();
  });
});
