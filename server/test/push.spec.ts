import { Availability } from "@chat/gen/chat/v1/user_pb.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ReceivedWebPush } from "./push/web-push-fake.ts";
import type { PushPayload } from "../src/push/providers/notification-payload.ts";
import { loginDevice, newId, openStream, registerUser, type TestUser } from "./harness.ts";
import { pushClient, type PushTestbed, startPushTestbed, subscribeDevice } from "./push-node.ts";

/** Waits for `check` to hold (polling the fake's record or the store), failing after `timeoutMs`. */
async function until<T>(check: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("push notifications end to end (embedded store and queue, Web Push)", () => {
  let bed: PushTestbed;
  beforeAll(async () => {
    bed = await startPushTestbed();
  }, 30_000);
  afterAll(async () => bed?.close());

  /** A sender, a recipient with a subscribed device (offline), and a group of the two. */
  const pair = async () => {
    const [alice, bob] = await Promise.all([registerUser(bed.node, "alice"), registerUser(bed.node, "bob")]);
    const subscription = await subscribeDevice(bed.node, bed.fake, bob);
    const group = (await alice.clients.conversations.createGroup({ name: "team", memberIds: [bob.id] })).conversation!.id;
    const pushes = () => bed.fake.record.accepted.filter((p) => p.endpoint === subscription.endpoint);
    const payloads = () => pushes().map((p) => p.payload as PushPayload);
    return { alice, bob, subscription, group, pushes, payloads };
  };
  const send = async (from: TestUser, conversationId: string, text: string) =>
    Number((await from.clients.live.sendMessage({ conversationId, clientMessageId: newId(), text })).seq);

  it("no push while the recipient has a connected device; one once it has none, with the sender and group but no text by default", async () => {
    const { alice, bob, group, pushes, payloads } = await pair();
    const online = await openStream(bob);
    const whileOnline = await send(alice, group, "while you are here");
    await online.until(() => online.of("message").some((m) => Number(m.seq) === whileOnline), 5_000, "the message on the stream");
    online.close();
    // The session map forgets the device when its stream ends: wait for the user to be offline.
    await until(() => [...bed.node.chat.hub.ofUser(bob.id)].length === 0, "bob's stream closed on the node");
    const [presence] = await bed.node.engines.sessions.presence([bob.id]);
    expect(presence?.online).toBe(false);
    const offline = await send(alice, group, "secret plans");
    const [push] = await until(() => pushes().length > 0 && pushes(), "a push");
    // Only the message sent while offline was pushed (the first would have been pushed before it).
    expect(payloads()).toEqual([{ conversationId: group, seq: offline, count: 1, mention: false, title: `${alice.username} in #team`, body: "New message" }]);
    expect(push).toMatchObject<Partial<ReceivedWebPush>>({ urgency: "normal", ttl: 86_400 });
    expect(JSON.stringify(payloads())).not.toContain("secret");
  });

  it("previews on: the text is in the (encrypted) payload; a mention is marked and urgent", async () => {
    const { alice, bob, group, pushes, payloads } = await pair();
    await pushClient(bed.node, bob).setPushSettings({ settings: { showPreviews: true } });
    const seq = await send(alice, group, `lunch @${bob.username}?`);
    await until(() => pushes().length === 1, "a push");
    expect(payloads()[0]).toMatchObject({ seq, body: `lunch @${bob.username}?`, mention: true });
    expect(pushes()[0]?.urgency).toBe("high");
    // A long text is cut for the notification (payloads stay far under every service's 4 KiB).
    const long = await send(alice, group, `${"word ".repeat(2_000)}end`);
    await until(() => pushes().length === 2, "the long message's push");
    const body = payloads()[1]?.body ?? "";
    expect([payloads()[1]?.seq, Array.from(body).length, body.endsWith("…")]).toEqual([long, 200, true]);
  });

  it("messages that arrive before the worker takes the job collapse into one notification", async () => {
    const { alice, bob, group, payloads } = await pair();
    await bed.node.push.worker.drain(); // the worker is busy elsewhere: nothing is taken meanwhile
    try {
      await send(alice, group, "one");
      await send(alice, group, `two @${bob.username}`);
      const last = await send(alice, group, "three");
      const trigger = bed.node.push.trigger.counts;
      await until(() => trigger.enqueued >= 3, "three enqueued");
      bed.node.push.worker.start();
      await until(() => payloads().length === 1, "one push");
      expect(payloads()[0]).toMatchObject({ seq: last, count: 3, mention: true, body: "3 new messages" });
    } finally {
      bed.node.push.worker.start();
    }
  });

  it("a muted conversation sends nothing but a mention by username; do-not-disturb sends nothing", async () => {
    const { alice, bob, group, payloads } = await pair();
    await bob.clients.conversations.muteConversation({ conversationId: group, muted: true });
    await send(alice, group, "muted, so silent");
    const mention = await send(alice, group, `@${bob.username} but this one`);
    await until(() => payloads().length === 1, "the mention's push");
    expect(payloads()[0]).toMatchObject({ seq: mention, count: 1, mention: true });

    await bob.clients.conversations.muteConversation({ conversationId: group, muted: false });
    await bob.clients.users.setStatus({ availability: Availability.BUSY });
    await send(alice, group, `do not disturb, even @${bob.username}`);
    await bob.clients.users.setStatus({ availability: Availability.ONLINE });
    const after = await send(alice, group, "available again");
    await until(() => payloads().length === 2, "the second push");
    expect(payloads()[1]).toMatchObject({ seq: after, count: 1 });
  });

  it("retries after 5xx and 429, waiting out Retry-After, then delivers", async () => {
    const { alice, group, payloads } = await pair();
    const retried = bed.node.push.worker.counts.retried;
    bed.fake.record.answerNext({ status: 503 }, { status: 429, headers: { "retry-after": "1" } });
    const started = Date.now();
    const seq = await send(alice, group, "eventually");
    await until(() => payloads().length === 1, "the push after two retries", 10_000);
    expect(payloads()[0]?.seq).toBe(seq);
    expect(bed.node.push.worker.counts.retried - retried).toBe(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000); // the 429's Retry-After
  });

  it("drops a job after its last attempt (--push-max-attempts 3), and goes on with the next", async () => {
    const { alice, group, payloads } = await pair();
    const dropped = bed.node.push.worker.counts.dropped;
    bed.fake.record.answerNext({ status: 500 }, { status: 502 }, { status: 503 });
    await send(alice, group, "never arrives");
    await until(() => bed.node.push.worker.counts.dropped > dropped, "the job dropped");
    const next = await send(alice, group, "arrives");
    await until(() => payloads().length === 1, "the next push");
    expect(payloads()[0]?.seq).toBe(next);
  });

  it("an endpoint the push service reports gone is removed; logging out removes a device's endpoint", async () => {
    const { alice, bob, group, subscription } = await pair();
    bed.fake.unsubscribe(subscription.endpoint);
    await send(alice, group, "into the void");
    const store = bed.node.engines.store;
    await until(() => bed.node.push.worker.counts.gone > 0, "the gone answer");
    await until(async () => (await store.listPushEndpoints(bob.id)).length === 0, "the endpoint removed");
    expect((await pushClient(bed.node, bob).getPushSettings({})).endpoint).toBeUndefined();

    const second = await loginDevice(bed.node, bob);
    await subscribeDevice(bed.node, bed.fake, second);
    expect((await pushClient(bed.node, second).getPushSettings({})).endpoint?.deviceId).toBe(second.deviceId);
    await second.clients.auth.logout({});
    expect(await store.listPushEndpoints(bob.id)).toEqual([]);

    // A password change revokes the other devices, and their endpoints with them.
    const third = await loginDevice(bed.node, bob);
    await subscribeDevice(bed.node, bed.fake, third);
    await bob.clients.auth.changePassword({ currentPassword: "correct horse battery", newPassword: "another horse battery" });
    expect(await store.listPushEndpoints(bob.id)).toEqual([]);
  });

  it("a subscription registered from another device moves there", async () => {
    const bob = await registerUser(bed.node, "bob");
    const other = await loginDevice(bed.node, bob);
    const subscription = await subscribeDevice(bed.node, bed.fake, bob);
    const { registerPushEndpoint } = pushClient(bed.node, other);
    const moved = await registerPushEndpoint({ endpoint: { provider: 1, token: subscription.endpoint, p256dh: subscription.p256dh, auth: subscription.auth } });
    expect(moved.endpoint?.deviceId).toBe(other.deviceId);
    expect((await pushClient(bed.node, bob).getPushSettings({})).endpoint).toBeUndefined();
  });
});
