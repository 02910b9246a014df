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

  // operations.md names these keys (for an operator deciding on persistence): keep them as it says.
  it("keeps a status as chat:status:<user> only while it is not the default, its expiry in chat:status-expiry", async () => {
    const u = randomUUID();
    const expiresAt = new Date(Date.now() + 60_000);
    await map.setStatus(u, { availability: "busy", text: { text: "away", expiresAt } });
    expect(await raw.hgetall(`${keyPrefix}status:${u}`)).toEqual({ a: "busy", t: "away", x: String(expiresAt.getTime()), h: "" });
    expect(await raw.zscore(`${keyPrefix}status-expiry`, u)).toBe(String(expiresAt.getTime()));
    await map.setStatus(u, { availability: "online", text: { text: "", expiresAt: undefined } });
    expect(await raw.exists(`${keyPrefix}status:${u}`)).toBe(0);
    expect(await raw.zscore(`${keyPrefix}status-expiry`, u)).toBeNull();
  });
});
