import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PushProvider } from "@chat/gen/chat/v1/push_pb.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApnsFake, startApnsFake } from "./push/apns-fake.ts";
import { type FcmFake, startFcmFake } from "./push/fcm-fake.ts";
import { newId, registerUser, startNode, type TestUser } from "./harness.ts";
import { pushClient } from "./push-node.ts";

/** FCM and APNs end to end: a node configured with both services' credentials in files, pushing to their fakes. */
describe("push notifications to Android (FCM) and iOS (APNs) devices", () => {
  let fcm: FcmFake;
  let apns: ApnsFake;
  let node: Awaited<ReturnType<typeof startNode>>;
  let dir: string;
  beforeAll(async () => {
    [fcm, apns] = await Promise.all([startFcmFake(), startApnsFake()]);
    dir = mkdtempSync(join(tmpdir(), "push-mobile-"));
    const file = (name: string, content: string | Buffer) => {
      writeFileSync(join(dir, name), content);
      return join(dir, name);
    };
    node = await startNode({ args: [
      "--push-fcm-service-account-file", file("service-account.json", JSON.stringify(fcm.serviceAccountJson)), "--push-fcm-url", fcm.origin,
      "--push-apns-key-file", file("apns.p8", apns.signingKey), "--push-apns-key-id", apns.keyId, "--push-apns-team-id", apns.teamId,
      "--push-apns-topic", apns.topic, "--push-apns-production-url", apns.productionOrigin, "--push-apns-sandbox-url", apns.sandboxOrigin,
      "--push-ca-file", file("ca.pem", Buffer.concat([fcm.ca, Buffer.from("\n"), apns.ca])),
    ] });
  }, 30_000);
  afterAll(async () => {
    await node?.close();
    await Promise.all([fcm?.close(), apns?.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it("an offline Android and iOS device each get the notification their service expects; a token FCM forgets is removed", async () => {
    const [alice, bob, carol] = (await Promise.all(["alice", "bob", "carol"].map((n) => registerUser(node, n)))) as [TestUser, TestUser, TestUser];
    const settings = await pushClient(node, bob).getPushSettings({});
    expect(settings.providers).toEqual([PushProvider.FCM, PushProvider.APNS]);
    expect(settings.webPushPublicKey).toBe("");
    const fcmToken = fcm.register();
    await pushClient(node, bob).registerPushEndpoint({ endpoint: { provider: PushProvider.FCM, token: fcmToken } });
    const apnsToken = apns.register("sandbox");
    await pushClient(node, carol).registerPushEndpoint({ endpoint: { provider: PushProvider.APNS, token: apnsToken, apnsSandbox: true } });
    await pushClient(node, carol).setPushSettings({ settings: { showPreviews: true } });
    const group = (await alice.clients.conversations.createGroup({ name: "mobile", memberIds: [bob.id, carol.id] })).conversation!.id;

    const seq = Number((await alice.clients.live.sendMessage({ conversationId: group, clientMessageId: newId(), text: "to the phones" })).seq);
    const [android] = await fcm.record.waitForAccepted(1, 10_000);
    const [iphone] = await apns.record.waitForAccepted(1, 10_000);
    expect(android?.message).toMatchObject({ token: fcmToken, notification: { title: `${alice.username} in #mobile`, body: "New message" } });
    expect(android?.message.data).toMatchObject({ conversationId: group, seq: String(seq) });
    expect(iphone).toMatchObject({ deviceToken: apnsToken, environment: "sandbox" });
    expect(iphone?.payload.aps.alert).toEqual({ title: `${alice.username} in #mobile`, body: "to the phones" });
    expect([fcm.record.refused, apns.record.refused]).toEqual([[], []]);

    fcm.unregister(fcmToken);
    await alice.clients.live.sendMessage({ conversationId: group, clientMessageId: newId(), text: "again" });
    for (const end = Date.now() + 10_000; (await node.engines.store.listPushEndpoints(bob.id)).length > 0;) {
      if (Date.now() > end) throw new Error("the unregistered FCM token was not removed in 10 s");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });
});
