import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { timestampDate, timestampFromDate, timestampFromMs } from "@bufbuild/protobuf/wkt";
import type { Presence } from "@chat/gen/chat/v1/user_pb.js";
import { Availability } from "@chat/gen/chat/v1/user_pb.js";
import { type TestUser, loginDevice, newId, openStream, registerUser, startNode } from "./harness.ts";

/** A status text that clears `ms` from now. */
const clearsIn = (ms: number) => timestampFromMs(Date.now() + ms);

/** The Connect code a call fails with. */
async function codeOf(call: Promise<unknown>): Promise<Code> {
  try {
    await call;
  } catch (err) {
    return ConnectError.from(err).code;
  }
  throw new Error("the call succeeded");
}

/** Polls `check` until it holds, failing after 3 s. */
async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (const deadline = Date.now() + 3_000; !(await check());) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("user status (embedded engine)", () => {
  let server: Awaited<ReturnType<typeof startNode>>;
  /** Alice and Bob share a conversation: each is the other's contact. */
  let alice: TestUser, bob: TestUser;
  let conv: string;

  beforeAll(async () => {
    // A short heartbeat interval: the sweep that clears expired texts runs at that pace.
    server = await startNode({ args: ["--heartbeat-interval-ms", "200", "--heartbeat-timeout-ms", "600"] });
    [alice, bob] = await Promise.all([registerUser(server, "alice"), registerUser(server, "bob")]);
    conv = (await bob.clients.conversations.getOrCreateDirect({ userId: alice.id })).conversation!.id;
  });
  afterAll(async () => server?.close());

  /** Alice's status fields as a frame or a lookup tells them. */
  const shown = (p: Presence | undefined) => p && [p.online, p.availability, p.statusText, p.statusExpiresAt?.seconds];

  it("reaches every device of the user and every contact once per change, on Stream and Subscribe; lookups carry it", async () => {
    const alice2 = await loginDevice(server, alice);
    const [a1, a2, b] = await Promise.all([openStream(alice), openStream(alice2), openStream(bob)]);
    const subscribed: Presence[] = [];
    const abort = new AbortController();
    const reading = (async () => {
      for await (const res of bob.clients.live.subscribe({}, { signal: abort.signal })) {
        if (res.frame?.frame.case === "presence" && res.frame.frame.value.userId === alice.id) subscribed.push(res.frame.frame.value);
      }
    })().catch(() => {}); // ends with the abort below
    await b.until(() => b.of("presence").find((p) => p.userId === alice.id && p.online), 3_000, "alice online");
    await b.until(() => subscribed.find((p) => p.online), 3_000, "alice online on Subscribe");

    const expiresAt = clearsIn(3_600_000);
    const set = await alice.clients.users.setStatus({ availability: Availability.BUSY, setText: true, statusText: "  in a meeting ", statusExpiresAt: expiresAt });
    expect(shown(set.presence)).toEqual([true, Availability.BUSY, "in a meeting", expiresAt.seconds]);
    // The same status again changes nothing, so it is told to nobody; the next change is the sync point.
    await alice.clients.users.setStatus({ availability: Availability.BUSY });
    await alice.clients.users.setStatus({ availability: Availability.AWAY });
    for (const s of [a1, a2, b]) {
      await s.until(() => s.of("presence").find((p) => p.userId === alice.id && p.availability === Availability.AWAY), 3_000, "alice away");
      const told = s.of("presence").filter((p) => p.userId === alice.id && p.statusText !== "").map((p) => p.availability);
      expect(told).toEqual([Availability.BUSY, Availability.AWAY]);
    }
    await b.until(() => subscribed.find((p) => p.availability === Availability.AWAY), 3_000, "alice away on Subscribe");
    expect(subscribed.filter((p) => p.statusText === "in a meeting").map((p) => p.availability)).toEqual([Availability.BUSY, Availability.AWAY]);
    abort.abort();
    await reading;

    const [byBob] = (await bob.clients.users.getUsers({ userIds: [alice.id] })).presence;
    expect(shown(byBob)).toEqual([true, Availability.AWAY, "in a meeting", expiresAt.seconds]);
    const found = await bob.clients.users.searchUsers({ query: alice.username });
    expect(shown(found.presence[found.users.findIndex((u) => u.id === alice.id)])).toEqual(shown(byBob));
    // A stranger learns nothing, the status included.
    const eve = await registerUser(server, "eve");
    const [byEve] = (await eve.clients.users.getUsers({ userIds: [alice.id] })).presence;
    expect(shown(byEve)).toEqual([false, Availability.UNSPECIFIED, "", undefined]);

    // The contact list of a stream opening carries the status; so does a new device's own presence.
    const b2 = await openStream(bob);
    expect(shown(await b2.until(() => b2.of("presence").find((p) => p.userId === alice.id), 3_000, "alice in the snapshot"))).toEqual(shown(byBob));
    const a3 = await openStream(await loginDevice(server, alice));
    expect((await a3.until(() => a3.of("presence").find((p) => p.userId === alice.id), 3_000, "own status"))?.availability).toBe(Availability.AWAY);

    // It survives every stream closing and a reconnect; clearing it goes back to the default.
    for (const s of [a1, a2, a3, b2]) s.close();
    await b.until(() => b.of("presence").find((p) => p.userId === alice.id && !p.online), 3_000, "alice offline");
    // Offline, no availability shows (an invisible user must look the same); the text does.
    expect(shown(b.of("presence").at(-1))).toEqual([false, Availability.UNSPECIFIED, "in a meeting", expiresAt.seconds]);
    const back = await openStream(alice);
    await b.until(() => b.of("presence").at(-1)?.online, 3_000, "alice back");
    expect(shown(b.of("presence").at(-1))).toEqual(shown(byBob));
    const toldBefore = b.of("presence").length;
    await alice.clients.users.setStatus({ availability: Availability.ONLINE, setText: true });
    const cleared = await b.until(() => b.of("presence").slice(toldBefore).find((p) => p.userId === alice.id), 3_000, "alice cleared");
    expect(shown(cleared)).toEqual([true, Availability.ONLINE, "", undefined]);
    [back, b].forEach((s) => s.close());
  });

  it("clears an expired text by itself: never served after its expiry, and pushed to devices and contacts", async () => {
    const [a, b] = await Promise.all([openStream(alice), openStream(bob)]);
    await alice.clients.users.setStatus({ availability: Availability.BUSY, setText: true, statusText: "back in a second", statusExpiresAt: clearsIn(800) });
    await b.until(() => b.of("presence").find((p) => p.statusText === "back in a second"), 3_000, "the text");
    const cleared = await b.until(() => b.of("presence").find((p) => p.userId === alice.id && p.statusText === "" && p.availability === Availability.BUSY), 3_000, "the text cleared");
    expect(cleared.statusExpiresAt).toBeUndefined();
    await a.until(() => a.of("presence").find((p) => p.userId === alice.id && p.statusText === ""), 3_000, "the text cleared on alice's device");
    const [byBob] = (await bob.clients.users.getUsers({ userIds: [alice.id] })).presence;
    expect(shown(byBob)).toEqual([true, Availability.BUSY, "", undefined]);
    // Served presence never shows an expired text, even before the sweep has cleared it.
    await alice.clients.users.setStatus({ setText: true, statusText: "gone soon", statusExpiresAt: clearsIn(150) });
    await new Promise((r) => setTimeout(r, 160)); // the expiry itself is what is tested: a time must pass
    expect((await bob.clients.users.getUsers({ userIds: [alice.id] })).presence[0]!.statusText).toBe("");
    await alice.clients.users.setStatus({ availability: Availability.ONLINE });
    [a, b].forEach((s) => s.close());
  });

  it("invisible: contacts see offline with last seen frozen, own devices the truth, reconnects tell contacts nothing", async () => {
    const [a, b] = await Promise.all([openStream(alice), openStream(bob)]);
    await b.until(() => b.of("presence").find((p) => p.userId === alice.id && p.online), 3_000, "alice online");
    const before = Date.now();
    const toldBefore = b.of("presence").length;
    const set = await alice.clients.users.setStatus({ availability: Availability.INVISIBLE, setText: true, statusText: "hidden" });
    expect(shown(set.presence)).toEqual([true, Availability.INVISIBLE, "hidden", undefined]);
    const hidden = await b.until(() => b.of("presence").slice(toldBefore).find((p) => p.userId === alice.id && !p.online), 3_000, "alice offline");
    expect(shown(hidden)).toEqual([false, Availability.UNSPECIFIED, "", undefined]);
    const frozen = timestampDate(hidden.lastSeen!).getTime();
    expect(frozen).toBeGreaterThanOrEqual(before - 50);
    await a.until(() => a.of("presence").find((p) => p.userId === alice.id && p.availability === Availability.INVISIBLE), 3_000, "own truth");

    // Connecting, disconnecting and heartbeating while invisible: contacts hear nothing, last seen
    // stays. b2 opens now: its snapshot leaves the invisible user out, so any frame about her is news to it.
    const b2 = await openStream(bob);
    const told = b.of("presence").length;
    const again = await openStream(await loginDevice(server, alice));
    again.close();
    a.close();
    await until(async () => !(await alice.clients.users.getUsers({ userIds: [alice.id] })).presence[0]!.online, "alice's streams released");
    const a2 = await openStream(alice);
    await alice.clients.live.sendMessage({ conversationId: conv, clientMessageId: newId(), text: "sync" });
    await b.until(() => b.of("message").find((m) => m.text === "sync"), 3_000, "the sync message");
    await b2.until(() => b2.of("message").find((m) => m.text === "sync"), 3_000, "the sync message");
    expect(b.of("presence").length).toBe(told);
    expect(b2.of("presence").filter((p) => p.userId === alice.id)).toEqual([]);
    const [byBob] = (await bob.clients.users.getUsers({ userIds: [alice.id] })).presence;
    expect([byBob!.online, timestampDate(byBob!.lastSeen!).getTime(), byBob!.availability, byBob!.statusText]).toEqual([false, frozen, Availability.UNSPECIFIED, ""]);
    const [own] = (await alice.clients.users.getUsers({ userIds: [alice.id] })).presence;
    expect(shown(own)).toEqual([true, Availability.INVISIBLE, "hidden", undefined]);

    await alice.clients.users.setStatus({ availability: Availability.ONLINE, setText: true });
    await b.until(() => b.of("presence").find((p) => p.userId === alice.id && p.online && p.availability === Availability.ONLINE), 3_000, "alice visible");
    [a2, b, b2].forEach((s) => s.close());
  });

  it("refuses bad input with InvalidArgument and a clear message", async () => {
    const refused = async (req: Parameters<TestUser["clients"]["users"]["setStatus"]>[0], message: RegExp) => {
      const err = await alice.clients.users.setStatus(req).then(() => undefined, (e: unknown) => ConnectError.from(e));
      expect(err?.code).toBe(Code.InvalidArgument);
      expect(err?.rawMessage).toMatch(message);
    };
    await refused({ setText: true, statusText: "x".repeat(101) }, /at most 100 characters/);
    await refused({ setText: true, statusText: "two\nlines" }, /one line/);
    await refused({ setText: true, statusText: "late", statusExpiresAt: timestampFromDate(new Date(Date.now() - 1_000)) }, /in the past/);
    await refused({ setText: true, statusText: "", statusExpiresAt: clearsIn(60_000) }, /needs a status_text/);
    await refused({ setText: true, statusText: "far", statusExpiresAt: clearsIn(400 * 86_400_000) }, /more than a year/);
    await refused({ setText: true, statusText: "never", statusExpiresAt: { seconds: 2n ** 62n, nanos: 0 } }, /not a valid time/);
    await refused({ statusText: "forgot set_text" }, /set_text/);
    await refused({}, /nothing to change/);
    await refused({ availability: 9 as Availability }, /not one of/);
    // 100 characters are fine, emoji counted as one each.
    const emoji = "🙂".repeat(100);
    expect((await alice.clients.users.setStatus({ setText: true, statusText: emoji })).presence!.statusText).toBe(emoji);
    await alice.clients.users.setStatus({ setText: true });
  });

  it("rate-limits status changes per user with ResourceExhausted", async () => {
    const dave = await registerUser(server, "dave");
    // The default bucket holds 20 changes (then one per 5 s).
    for (let i = 0; i < 20; i++) await dave.clients.users.setStatus({ availability: i % 2 ? Availability.AWAY : Availability.ONLINE });
    expect(await codeOf(dave.clients.users.setStatus({ availability: Availability.BUSY }))).toBe(Code.ResourceExhausted);
  });
});
