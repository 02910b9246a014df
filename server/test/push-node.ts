import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@connectrpc/connect";
import { PushProvider, PushService } from "@chat/gen/chat/v1/push_pb.js";
import webpush from "web-push";
import { startWebPushFake, type FakeWebPushSubscription, type WebPushFake } from "./push/web-push-fake.ts";
import { startNode, type TestUser, transportFor } from "./harness.ts";

/** A node with Web Push credentials, and the local push service its pushes go to. */
export interface PushTestbed {
  node: Awaited<ReturnType<typeof startNode>>;
  fake: WebPushFake;
  /** The flags that point a node at the fake (for a second node, or a restart). */
  args: string[];
  close(): Promise<void>;
}

/** The Web Push fake, and the flags of a node configured for it. */
export interface PushTestCredentials {
  fake: WebPushFake;
  /** Credentials in files as an operator's would be, and quick retries. */
  args: string[];
  close(): Promise<void>;
}

/**
 * Starts the Web Push fake and writes what a node needs to push to it: a fresh VAPID key pair and the
 * fake's CA in files, and quick retries so that the retry tests take well under a second.
 */
export async function startPushCredentials(): Promise<PushTestCredentials> {
  const fake = await startWebPushFake();
  const dir = mkdtempSync(join(tmpdir(), "push-credentials-"));
  const keys = join(dir, "vapid.json");
  writeFileSync(keys, JSON.stringify(webpush.generateVAPIDKeys()));
  const ca = join(dir, "ca.pem");
  writeFileSync(ca, fake.ca);
  const args = [
    "--push-vapid-keys-file", keys, "--push-vapid-subject", "mailto:ops@example.com", "--push-web-push-hosts", "127.0.0.1",
    "--push-ca-file", ca, "--push-retry-base-ms", "100", "--push-retry-max-ms", "400", "--push-max-attempts", "3",
  ];
  return {
    fake, args,
    async close() {
      await fake.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Starts the Web Push fake and a node configured for it. */
export async function startPushTestbed(nodeArgs: string[] = []): Promise<PushTestbed> {
  const credentials = await startPushCredentials();
  const node = await startNode({ args: [...credentials.args, ...nodeArgs] });
  return {
    node, fake: credentials.fake, args: credentials.args,
    async close() {
      await node.close();
      await credentials.close();
    },
  };
}

/** The PushService client of a device. */
export function pushClient(server: { url: string }, user: Pick<TestUser, "token">) {
  return createClient(PushService, transportFor(server.url, "connect", user.token));
}

/** Subscribes a device on the fake as a browser would, with the server's key, and registers the subscription. */
export async function subscribeDevice(server: { url: string }, fake: WebPushFake, user: Pick<TestUser, "token">): Promise<FakeWebPushSubscription> {
  const push = pushClient(server, user);
  const { webPushPublicKey } = await push.getPushSettings({});
  const subscription = fake.subscribe(webPushPublicKey);
  await push.registerPushEndpoint({ endpoint: { provider: PushProvider.WEB_PUSH, token: subscription.endpoint, p256dh: subscription.p256dh, auth: subscription.auth } });
  return subscription;
}
