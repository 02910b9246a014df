import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { UserStatus } from "../sessions/interface.ts";
import type { KeptPresence, PresenceStore } from "./presence-store.ts";
import { storeEngines, twoNodesOf } from "./store-engines.ts";

/** What `store` keeps of the given users, in their order (pages of 2, so that paging is crossed). */
async function keptOf(store: PresenceStore, userIds: readonly string[]): Promise<(KeptPresence | undefined)[]> {
  const kept = new Map<string, KeptPresence>();
  for await (const page of store.keptPresence(2)) {
    expect(page.length).toBeLessThanOrEqual(2);
    for (const p of page) kept.set(p.userId, p);
  }
  return userIds.map((id) => kept.get(id));
}

describe.each(storeEngines)("Presence store contract: $name", ({ make }) => {
  const nodes = twoNodesOf(make);
  const at = (s: number) => new Date(Date.UTC(2026, 10, 30, 12, 0, s));

  it("keeps statuses and last-seen times apart, reads them back from another node, and forgets a default status", async () => {
    const [alice, bob, carol] = [randomUUID(), randomUUID(), randomUUID()];
    const busy: UserStatus = { availability: "busy", text: "in a meeting", textExpiresAt: at(30), hiddenLastSeen: undefined };
    const invisible: UserStatus = { availability: "invisible", text: "", textExpiresAt: undefined, hiddenLastSeen: at(5) };
    await nodes.a.putUserStatuses([{ userId: alice, status: busy }, { userId: bob, status: invisible }]);
    await nodes.b.putLastSeen([{ userId: alice, at: at(10) }, { userId: carol, at: at(20) }]);
    expect(await keptOf(nodes.b, [alice, bob, carol])).toEqual([
      { userId: alice, status: busy, lastSeen: at(10) },
      { userId: bob, status: invisible, lastSeen: undefined },
      { userId: carol, status: undefined, lastSeen: at(20) },
    ]);
    // Back to the default: the status goes, the last-seen time stays.
    await nodes.b.putUserStatuses([{ userId: alice, status: undefined }]);
    const [kept] = await keptOf(nodes.a, [alice]);
    expect(kept).toEqual({ userId: alice, status: undefined, lastSeen: at(10) });
  });

  it("a last-seen time never goes back, whichever node's write lands last", async () => {
    const u = randomUUID();
    await nodes.a.putLastSeen([{ userId: u, at: at(40) }]);
    await nodes.b.putLastSeen([{ userId: u, at: at(35) }]);
    expect((await keptOf(nodes.a, [u]))[0]?.lastSeen).toEqual(at(40));
    await nodes.b.putLastSeen([{ userId: u, at: at(45) }]);
    expect((await keptOf(nodes.a, [u]))[0]?.lastSeen).toEqual(at(45));
  });
});
