import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisDeployments } from "../../../test/services/redis-deployments.ts";
import type { KeptPresence } from "../store/presence-store.ts";
import type { DeviceSession, SessionMap } from "./interface.ts";
import { createMemorySessionMap } from "./memory/memory-session-map.ts";
import { createRedisSessionMap } from "./redis/redis-session-map.ts";

/** Entry lifetime of the Redis map in this suite: short, so that expiry is seen within a test. */
const ttlMs = 600;

/**
 * An implementation under test. `open` gives the map of one node; the maps of one engine share
 * their state as the nodes of a cluster do (the memory map, made for one process, is shared as is).
 */
interface SessionEngine {
  name: string;
  open(): Promise<SessionMap>;
  /** Whether entries lapse without refresh (the memory map relies on the node removing them). */
  expires: boolean;
}

const engines: SessionEngine[] = [
  { name: "memory", expires: false, open: ((shared = createMemorySessionMap()) => async () => shared)() },
  ...redisDeployments.map((redis): SessionEngine => ({
    name: redis.name, expires: true,
    open: ((keyPrefix = `test:${randomUUID()}:`) => async () => createRedisSessionMap({ url: await redis.url(), ttlMs, keyPrefix }))(),
  })),
];

describe.each(engines)("SessionMap contract: $name", (engine) => {
  let a: SessionMap;
  let b: SessionMap;
  beforeAll(async () => {
    a = await engine.open();
    b = await engine.open();
  }, 30_000);
  afterAll(async () => {
    await Promise.all([a.close(), b.close()]);
  });

  const session = (userId: string, nodeId: string): DeviceSession =>
    ({ userId, deviceId: randomUUID(), connectionId: randomUUID(), nodeId });
  const sorted = (m: Map<string, string[]>) => new Map([...m].map(([node, users]) => [node, [...users].sort()]));

  it("add is true for a user's first connection only; remove is true for the last one only", async () => {
    const u = randomUUID();
    const [s1, s2] = [session(u, "n1"), session(u, "n2")];
    expect(await a.add(s1)).toBe(true);
    expect(await b.add(s2)).toBe(false);
    expect(await a.add({ ...s1, connectionId: randomUUID() })).toBe(false);
    expect(await b.remove(session(u, "n1"))).toBe(false); // never added
    expect(await b.remove(s2)).toBe(false);
    expect(await a.remove(s1)).toBe(false);
    expect(await a.remove({ ...s1, connectionId: "gone" })).toBe(false);
    expect((await a.presence([u]))[0]!.online).toBe(true);
  });

  it("under concurrent adds and removes exactly one of each reports the transition", async () => {
    const u = randomUUID();
    const sessions = Array.from({ length: 40 }, (_, i) => session(u, `n${i % 2}`));
    const added = await Promise.all(sessions.map((s, i) => (i % 2 ? a : b).add(s)));
    expect(added.filter(Boolean)).toHaveLength(1);
    const removed = await Promise.all(sessions.map((s, i) => (i % 2 ? b : a).remove(s)));
    expect(removed.filter(Boolean)).toHaveLength(1);
    expect((await b.presence([u]))[0]!.online).toBe(false);
  });

  it("locate maps nodes to their users, each listed once, across the maps of all nodes", async () => {
    const [u1, u2, u3, nobody] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    await a.add(session(u1, "n1"));
    await a.add(session(u1, "n1"));
    await b.add(session(u1, "n2"));
    await b.add(session(u2, "n2"));
    const leaving = session(u3, "n3");
    await a.add(leaving);
    await b.remove(leaving);
    expect(sorted(await b.locate([u1, u2, u3, nobody, u1]))).toEqual(new Map([["n1", [u1]], ["n2", [u1, u2].sort()]]));
    expect(await a.locate([nobody])).toEqual(new Map());
    expect(await a.locate([])).toEqual(new Map());
  });

  it("presence says who is online and when the others were last seen, in the order asked", async () => {
    const [online, offline, never] = [randomUUID(), randomUUID(), randomUUID()];
    const before = Date.now();
    await a.add(session(online, "n1"));
    const left = session(offline, "n2");
    await b.add(left);
    await sleep(20);
    await b.remove(left);
    const after = Date.now();
    const [p1, p2, p3] = await a.presence([online, offline, never]);
    expect([p1!.userId, p1!.online, p2!.userId, p2!.online]).toEqual([online, true, offline, false]);
    expect(p2!.lastSeen!.getTime()).toBeGreaterThanOrEqual(before + 15);
    expect(p2!.lastSeen!.getTime()).toBeLessThanOrEqual(after + 5);
    expect(p3).toEqual({ userId: never, online: false, lastSeen: undefined });
    expect(await a.presence([])).toEqual([]);
  });

  it.runIf(engine.expires)("entries lapse without refresh: a crashed node's users go offline by themselves", async () => {
    const [kept, crashed] = [randomUUID(), randomUUID()];
    const alive = session(kept, "n1");
    const dead = session(crashed, "dead-node");
    await a.add(alive);
    await b.add(dead);
    await b.add(session(kept, "dead-node"));
    const start = Date.now();
    while (Date.now() - start < ttlMs * 2.5) {
      await a.refresh([alive]);
      await sleep(ttlMs / 4);
    }
    expect(sorted(await a.locate([kept, crashed]))).toEqual(new Map([["n1", [kept]]]));
    const [pk, pc] = await a.presence([kept, crashed]);
    expect(pk!.online).toBe(true);
    expect(pc!.online).toBe(false);
    expect(pc!.lastSeen!.getTime()).toBeLessThan(start + 50);
    // One node (whichever asks first) learns that the crashed node's user went offline; the
    // user who kept a live entry elsewhere is not reported.
    const reported = [...(await a.expire()), ...(await b.expire())];
    expect(reported).toContain(crashed);
    expect(reported).not.toContain(kept);
    expect(reported.filter((u) => u === crashed)).toHaveLength(1);
    // The user comes back on another node: that is a transition to online again.
    expect(await b.add(session(crashed, "n2"))).toBe(true);
  });

  it("expire reports nobody whose connections were removed or are alive", async () => {
    const u = randomUUID();
    const s = session(u, "n1");
    await a.add(s);
    await a.remove(s);
    await a.add(session(randomUUID(), "n1"));
    expect(await a.expire()).not.toContain(u);
  });

  it("refresh keeps entries alive and ignores connections already removed", async () => {
    const u = randomUUID();
    const s = session(u, "n1");
    await a.add(s);
    await a.remove(s);
    await a.refresh([s]);
    expect(await b.locate([u])).toEqual(new Map());
    await a.add(s);
    await a.refresh([s]);
    expect(await b.locate([u])).toEqual(new Map([["n1", [u]]]));
  });


  it("sets availability and text apart, as every node sees it, and forgets a default status", async () => {
    const u = randomUUID();
    const { before, after } = await a.setStatus(u, { availability: "busy" });
    expect(before).toEqual({ userId: u, online: false, lastSeen: undefined });
    expect(after.status).toEqual({ availability: "busy", text: "", textExpiresAt: undefined, hiddenLastSeen: undefined });
    const expiresAt = new Date(Date.now() + 60_000);
    await b.setStatus(u, { text: { text: "in a meeting", expiresAt } });
    expect((await a.presence([u]))[0]!.status).toEqual({ availability: "busy", text: "in a meeting", textExpiresAt: expiresAt, hiddenLastSeen: undefined });
    await a.setStatus(u, { availability: "away" });
    expect((await b.presence([u]))[0]!.status).toMatchObject({ availability: "away", text: "in a meeting" });
    const cleared = await b.setStatus(u, { availability: "online", text: { text: "", expiresAt: undefined } });
    expect(cleared.before.status?.availability).toBe("away");
    expect(cleared.after.status).toBeUndefined();
    expect((await a.presence([u]))[0]!.status).toBeUndefined();
  });

  it("clears a text at its expiry: never shown after it, reported once across nodes, availability kept", async () => {
    const [u, v] = [randomUUID(), randomUUID()];
    await a.setStatus(u, { availability: "busy", text: { text: "back soon", expiresAt: new Date(Date.now() + 300) } });
    await a.setStatus(v, { text: { text: "lunch", expiresAt: new Date(Date.now() + 300) } });
    expect((await b.presence([u]))[0]!.status?.text).toBe("back soon");
    await sleep(350);
    const [pu, pv] = await b.presence([u, v]);
    expect(pu!.status).toEqual({ availability: "busy", text: "", textExpiresAt: undefined, hiddenLastSeen: undefined });
    expect(pv!.status).toBeUndefined();
    const reported = [...(await a.expireStatuses()), ...(await b.expireStatuses()), ...(await a.expireStatuses())];
    expect(reported.filter((id) => id === u || id === v).sort()).toEqual([u, v].sort());
  });

  it("going invisible freezes the last seen others are shown: now when online, else the last seen", async () => {
    const [online, offline] = [randomUUID(), randomUUID()];
    const [s, left] = [session(online, "n1"), session(offline, "n2")];
    await a.add(s);
    await b.add(left);
    await b.remove(left);
    const [seenBefore] = await a.presence([offline]);
    await sleep(20);
    const t0 = Date.now();
    const { after } = await b.setStatus(online, { availability: "invisible" });
    expect(after.online).toBe(true); // the truth, as the user's own devices see it
    expect(after.status!.hiddenLastSeen!.getTime()).toBeGreaterThanOrEqual(t0 - 5);
    const frozen = after.status!.hiddenLastSeen;
    await sleep(20);
    await a.refresh([s]);
    await a.setStatus(online, { text: { text: "still hidden", expiresAt: undefined } });
    await a.remove(s);
    const [p] = await b.presence([online]);
    expect(p!.lastSeen!.getTime()).toBeGreaterThan(frozen!.getTime());
    expect(p!.status).toMatchObject({ availability: "invisible", text: "still hidden", hiddenLastSeen: frozen });
    const hidden = await a.setStatus(offline, { availability: "invisible" });
    expect(hidden.after.status!.hiddenLastSeen).toEqual(seenBefore!.lastSeen);
    expect((await b.setStatus(online, { availability: "away" })).after.status!.hiddenLastSeen).toBeUndefined();
  });

  it("restores what the store keeps once, by one node, never over newer state; an expired text stays expired", async () => {
    const [busy, invisible, online, gone] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const seenAt = new Date(Date.now() - 3_600_000);
    const meeting = { availability: "busy" as const, text: "in a meeting", textExpiresAt: new Date(Date.now() + 60_000), hiddenLastSeen: undefined };
    const kept: KeptPresence[] = [
      { userId: busy, status: meeting, lastSeen: seenAt },
      { userId: invisible, status: { availability: "invisible", text: "", textExpiresAt: undefined, hiddenLastSeen: seenAt }, lastSeen: seenAt },
      // Came online (and chose a status) since the loss: what the map holds is newer.
      { userId: online, status: meeting, lastSeen: seenAt },
      { userId: gone, status: { availability: "away", text: "lunch", textExpiresAt: new Date(Date.now() - 1_000), hiddenLastSeen: undefined }, lastSeen: undefined },
    ];
    await a.add(session(online, "n1"));
    await a.setStatus(online, { availability: "away" });
    async function* pages() {
      yield kept.slice(0, 2);
      yield kept.slice(2);
    }
    const counts = await Promise.all([a.restoreIfLost(pages), b.restoreIfLost(pages)]);
    expect(counts.sort()).toEqual([0, 4]);
    expect(await a.restoreIfLost(pages)).toBe(0);
    const [pb, pi, po, pg] = await b.presence([busy, invisible, online, gone]);
    expect(pb).toEqual({ userId: busy, online: false, lastSeen: seenAt, status: meeting });
    expect(pi!.status).toEqual(kept[1]!.status);
    expect([po!.online, po!.lastSeen! > seenAt, po!.status?.availability]).toEqual([true, true, "away"]);
    expect(pg!.status).toEqual({ availability: "away", text: "", textExpiresAt: undefined, hiddenLastSeen: undefined });
    // Its expiry may have been announced by nobody (it passed while the map was lost): the sweep reports it.
    const reported = [...(await a.expireStatuses()), ...(await b.expireStatuses())];
    expect(reported.filter((id) => id === gone)).toEqual([gone]);
  });
});
