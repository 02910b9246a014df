import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { PushEndpointRecord } from "../../push/providers/provider.ts";
import { storeEngines, twoNodesOf } from "./store-engines.ts";

describe.each(storeEngines)("Push store contract: $name", ({ make }) => {
  const nodes = twoNodesOf(make);

  const now = () => new Date(Math.floor(Date.now() / 1000) * 1000);
  const webPush = (userId: string, deviceId: string, token = `https://push.example/${randomUUID()}`): PushEndpointRecord => ({
    userId, deviceId, provider: "webpush", token, p256dh: "BPk", auth: "c2VjcmV0", registeredAt: now(),
  });
  const device = (userId: string) => ({
    userId, deviceId: randomUUID(), deviceName: "phone", tokenHash: randomUUID(), createdAt: now(), lastUsedAt: now(),
  });

  it("a device has one endpoint: registering again replaces it, and it reads back from another node", async () => {
    const user = randomUUID();
    const d = randomUUID();
    const first = webPush(user, d);
    await nodes.a.putPushEndpoint(first);
    expect(await nodes.b.getPushEndpoint(user, d)).toEqual(first);
    const apns: PushEndpointRecord = { userId: user, deviceId: d, provider: "apns", token: "ab".repeat(32), apnsSandbox: true, registeredAt: now() };
    await nodes.b.putPushEndpoint(apns);
    expect(await nodes.a.listPushEndpoints(user)).toEqual([apns]);
    // The replaced token is free: another device may take it without touching this one.
    const other = webPush(user, randomUUID(), first.token);
    await nodes.a.putPushEndpoint(other);
    expect((await nodes.b.listPushEndpoints(user)).map((e) => e.deviceId).sort()).toEqual([d, other.deviceId].sort());
  });

  it("a token registered from another device (of another user) moves there", async () => {
    const alice = randomUUID();
    const bob = randomUUID();
    const e = webPush(alice, randomUUID());
    await nodes.a.putPushEndpoint(e);
    const moved = { ...e, userId: bob, deviceId: randomUUID() };
    await nodes.b.putPushEndpoint(moved);
    expect(await nodes.a.listPushEndpoints(alice)).toEqual([]);
    expect(await nodes.a.listPushEndpoints(bob)).toEqual([moved]);
  });

  it("removal: by device, only with a matching token when one is given, and with the device itself", async () => {
    const user = randomUUID();
    const e = webPush(user, randomUUID());
    await nodes.a.putPushEndpoint(e);
    expect(await nodes.b.deletePushEndpoint(user, e.deviceId, "https://push.example/old")).toBe(false);
    expect(await nodes.b.getPushEndpoint(user, e.deviceId)).toEqual(e);
    expect(await nodes.b.deletePushEndpoint(user, e.deviceId, e.token)).toBe(true);
    expect(await nodes.a.getPushEndpoint(user, e.deviceId)).toBeUndefined();
    expect(await nodes.a.deletePushEndpoint(user, e.deviceId)).toBe(false);

    // Logging out (or revoking, or a password change) deletes the device: its endpoint goes with it,
    // and the token is free for another device.
    const phone = device(user);
    await nodes.a.createDevice(phone);
    const p = webPush(user, phone.deviceId);
    await nodes.a.putPushEndpoint(p);
    await nodes.b.deleteDevice(user, phone.deviceId);
    expect(await nodes.a.listPushEndpoints(user)).toEqual([]);
    const again = webPush(user, randomUUID(), p.token);
    await nodes.a.putPushEndpoint(again);
    expect(await nodes.b.listPushEndpoints(user)).toEqual([again]);
  });

  it("a device that expires from inactivity loses its endpoint", async () => {
    const user = randomUUID();
    const old = { ...device(user), lastUsedAt: new Date(Date.now() - 86_400_000) };
    await nodes.a.createDevice(old);
    await nodes.a.putPushEndpoint(webPush(user, old.deviceId));
    const deleted = await nodes.b.deleteDevicesUnusedSince(new Date(Date.now() - 3_600_000), 10_000);
    expect(deleted.map((d) => d.deviceId)).toContain(old.deviceId);
    expect(await nodes.a.listPushEndpoints(user)).toEqual([]);
  });

  it("settings default to no previews and are replaced whole", async () => {
    const user = randomUUID();
    expect(await nodes.a.getPushSettings(user)).toEqual({ showPreviews: false });
    await nodes.a.putPushSettings(user, { showPreviews: true });
    expect(await nodes.b.getPushSettings(user)).toEqual({ showPreviews: true });
    await nodes.b.putPushSettings(user, { showPreviews: false });
    expect(await nodes.a.getPushSettings(user)).toEqual({ showPreviews: false });
  });

  it("mutes: per member, with or without an end, replaced, removed, and gone when the member leaves", async () => {
    const conversationId = randomUUID();
    const [alice, bob] = [randomUUID(), randomUUID()];
    await nodes.a.createGroup({ id: conversationId, kind: "group", name: "g", createdAt: now(), lastSeq: 0 }, [alice, bob].map((userId) => ({
      conversationId, userId, role: "member" as const, joinedAt: now(),
    })));
    const until = new Date(now().getTime() + 3_600_000);
    await nodes.a.setMute({ conversationId, userId: alice, until: undefined });
    await nodes.b.setMute({ conversationId, userId: bob, until });
    const byUser = async () => Object.fromEntries((await nodes.a.listMutes(conversationId)).map((m) => [m.userId, m.until]));
    expect(await byUser()).toEqual({ [alice]: undefined, [bob]: until });
    await nodes.b.setMute({ conversationId, userId: alice, until });
    await nodes.a.deleteMute(conversationId, bob);
    expect(await byUser()).toEqual({ [alice]: until });
    await nodes.b.removeMember(conversationId, alice);
    expect(await nodes.a.listMutes(conversationId)).toEqual([]);
  });
});
