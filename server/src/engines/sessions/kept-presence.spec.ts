import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import type { KeptPresence, PresenceStore } from "../store/presence-store.ts";
import { createSqliteStore, type SqliteStore } from "../store/sqlite/sqlite-store.ts";
import { keepPresence } from "./kept-presence.ts";
import { createMemorySessionMap } from "./memory/memory-session-map.ts";

/** A real (in-memory SQLite) store whose presence writes are counted, user by user. */
function countedStore(): { store: SqliteStore; lastSeenWrites: string[][] } {
  const store = createSqliteStore({ path: ":memory:" });
  const lastSeenWrites: string[][] = [];
  const putLastSeen = store.putLastSeen.bind(store);
  store.putLastSeen = (times) => {
    lastSeenWrites.push(times.map((t) => t.userId));
    return putLastSeen(times);
  };
  return { store, lastSeenWrites };
}

/** Everything `store` keeps, by user. */
async function keptBy(store: PresenceStore): Promise<Map<string, KeptPresence>> {
  const kept = new Map<string, KeptPresence>();
  for await (const page of store.keptPresence(100)) for (const p of page) kept.set(p.userId, p);
  return kept;
}

const session = (userId: string) => ({ userId, deviceId: "d", connectionId: randomUUID(), nodeId: "n1" });

describe("keepPresence", () => {
  const opened: SqliteStore[] = [];
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close();
  });

  it("a device flapping within a flush period costs one last-seen write, of its latest time", async () => {
    const { store, lastSeenWrites } = countedStore();
    opened.push(store);
    const map = await keepPresence(createMemorySessionMap(), { store, flushMs: 60_000, onError: (err) => { throw err; } });
    const u = randomUUID();
    for (let i = 0; i < 20; i++) {
      const s = session(u);
      await map.add(s);
      await map.remove(s);
    }
    await map.flush();
    expect(lastSeenWrites).toEqual([[u]]);
    const [live] = await map.presence([u]);
    expect((await keptBy(store)).get(u)?.lastSeen?.getTime()).toBeGreaterThanOrEqual(live!.lastSeen!.getTime() - 50);
    await map.close();
  });

  it("bounds what waits for the store: past maxPending a change is not kept, and that is reported", async () => {
    const { store, lastSeenWrites } = countedStore();
    opened.push(store);
    const errors: Error[] = [];
    const map = await keepPresence(createMemorySessionMap(), { store, flushMs: 60_000, maxPending: 3, onError: (err) => errors.push(err as Error) });
    const users = Array.from({ length: 5 }, () => randomUUID());
    for (const u of users) {
      const s = session(u);
      await map.add(s);
      await map.remove(s);
    }
    await map.flush();
    expect(lastSeenWrites).toEqual([users.slice(0, 3)]);
    // The last two users' coming online and going offline: four changes not kept.
    expect(errors.map((e) => e.message)).toEqual([expect.stringContaining("4 presence changes")]);
    await map.close();
  });

  it("a status is kept when it is set and when its text expires, and comes back in a new map from the store", async () => {
    const { store } = countedStore();
    opened.push(store);
    const first = await keepPresence(createMemorySessionMap(), { store, flushMs: 60_000, onError: (err) => { throw err; } });
    const [u, v] = [randomUUID(), randomUUID()];
    await first.setStatus(u, { availability: "busy", text: { text: "focus", expiresAt: undefined } });
    await first.setStatus(v, { availability: "away", text: { text: "brb", expiresAt: new Date(Date.now() + 100) } });
    expect((await keptBy(store)).get(u)?.status?.availability).toBe("busy");
    const expiry = Date.now() + 150;
    while (Date.now() < expiry) await new Promise((r) => setTimeout(r, 20)); // the text's expiry is a time, not an event
    expect(await first.expireStatuses()).toEqual([v]);
    expect((await keptBy(store)).get(v)?.status).toEqual({ availability: "away", text: "", textExpiresAt: undefined, hiddenLastSeen: undefined });
    await first.close();
    const second = await keepPresence(createMemorySessionMap(), { store, flushMs: 60_000, onError: (err) => { throw err; } });
    const [pu, pv] = await second.presence([u, v]);
    expect([pu!.status?.text, pv!.status?.availability, pv!.status?.text]).toEqual(["focus", "away", ""]);
    await second.close();
  });
});
