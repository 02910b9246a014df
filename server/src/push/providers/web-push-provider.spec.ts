import { afterAll, beforeAll, describe, expect, it } from "vitest";
import webpush from "web-push";
import { startWebPushFake, type WebPushFake } from "../../../test/push/web-push-fake.ts";
import { collapseKey } from "./notification-payload.ts";
import type { PushEndpointRecord, PushNotification } from "./provider.ts";
import { WebPushProvider, webPushEndpointProblem } from "./web-push-provider.ts";

const notification: PushNotification = {
  conversationId: "c-0f9e8d7c-6b5a-4321-8000-00000000abcd",
  seq: 42,
  count: 3,
  title: "alice in #team",
  body: "lunch at noon? 🍜",
  mention: true,
  ttlSeconds: 3600,
};

describe("WebPushProvider against a local push service (VAPID, RFC 8291 aes128gcm)", () => {
  let fake: WebPushFake;
  let provider: WebPushProvider;
  const vapidKeys = webpush.generateVAPIDKeys();

  const endpointFor = (subscription: { endpoint: string; p256dh: string; auth: string }): PushEndpointRecord => ({
    userId: "u1", deviceId: "d1", provider: "webpush", token: subscription.endpoint,
    p256dh: subscription.p256dh, auth: subscription.auth, registeredAt: new Date(),
  });

  beforeAll(async () => {
    fake = await startWebPushFake();
    provider = new WebPushProvider({ vapidKeys, subject: "mailto:ops@chat.example", endpointHosts: ["127.0.0.1"], ca: fake.ca, timeoutMs: 3_000 });
  });
  afterAll(async () => {
    await provider?.close();
    await fake?.close();
  });

  it("sends a payload the subscription's keys decrypt, with VAPID, TTL, Urgency and the conversation's Topic", async () => {
    const before = fake.record.accepted.length;
    const endpoint = endpointFor(fake.subscribe(vapidKeys.publicKey));
    expect(await provider.send(endpoint, notification)).toEqual({ kind: "sent" });
    const [push] = (await fake.record.waitForAccepted(before + 1)).slice(before);
    expect(push).toMatchObject({
      endpoint: endpoint.token,
      ttl: 3600,
      urgency: "high",
      topic: collapseKey(notification.conversationId),
      payload: { conversationId: notification.conversationId, seq: 42, count: 3, mention: true, title: "alice in #team", body: "lunch at noon? 🍜" },
      vapid: { aud: fake.origin, sub: "mailto:ops@chat.example" },
    });
    expect(push!.topic).toMatch(/^[\w-]{32}$/);
    expect(fake.record.refused).toEqual([]);
  });

  it("sends normal urgency without a mention and cuts a long body to fit the 4 KiB limit", async () => {
    const before = fake.record.accepted.length;
    const endpoint = endpointFor(fake.subscribe(vapidKeys.publicKey));
    const long = { ...notification, mention: false, body: "é".repeat(5_000) };
    expect(await provider.send(endpoint, long)).toEqual({ kind: "sent" });
    const [push] = (await fake.record.waitForAccepted(before + 1)).slice(before);
    expect(push!.urgency).toBe("normal");
    const body = (push!.payload as { body: string }).body;
    expect(body.endsWith("…")).toBe(true);
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(1_500);
  });

  it("maps the push service's answers: 410/404 gone, 429/5xx retry with Retry-After, 400/413 failed", async () => {
    const endpoint = endpointFor(fake.subscribe(vapidKeys.publicKey));
    fake.record.answerNext(
      { status: 429, headers: { "retry-after": "7" } },
      { status: 503 },
      { status: 404 },
      { status: 400, body: "bad" },
      { status: 413 },
    );
    expect(await provider.send(endpoint, notification)).toMatchObject({ kind: "retry", retryAfterMs: 7_000 });
    expect(await provider.send(endpoint, notification)).toMatchObject({ kind: "retry", retryAfterMs: undefined });
    expect(await provider.send(endpoint, notification)).toMatchObject({ kind: "gone" });
    expect(await provider.send(endpoint, notification)).toMatchObject({ kind: "failed", reason: expect.stringContaining("400") });
    expect(await provider.send(endpoint, notification)).toMatchObject({ kind: "failed", reason: expect.stringContaining("413") });
    fake.unsubscribe(endpoint.token);
    expect(await provider.send(endpoint, notification)).toMatchObject({ kind: "gone", reason: expect.stringContaining("410") });
    expect(fake.record.refused).toEqual([]);
  });

  it("is refused (403, failed) when the subscription was made with another server's key", async () => {
    const other = webpush.generateVAPIDKeys();
    const endpoint = endpointFor(fake.subscribe(other.publicKey));
    expect(await provider.send(endpoint, notification)).toMatchObject({ kind: "failed", reason: expect.stringContaining("403") });
    expect(fake.record.refused.splice(0)).toEqual([expect.stringContaining("k= is not the key")]);
  });

  it("retries when the service does not answer, and refuses endpoints off the allowed hosts without a request", async () => {
    const endpoint = endpointFor(fake.subscribe(vapidKeys.publicKey));
    const dead = { ...endpoint, token: "https://127.0.0.1:9/push/x" };
    expect(await provider.send(dead, notification)).toMatchObject({ kind: "retry", reason: expect.stringContaining("ECONNREFUSED") });
    const elsewhere = { ...endpoint, token: "https://internal.corp.example/admin" };
    expect(await provider.send(elsewhere, notification)).toMatchObject({ kind: "failed", reason: expect.stringContaining("not a known push service") });
  });

  it("gives up on a push service that does not answer within its timeout (retry)", async () => {
    const impatient = new WebPushProvider({ vapidKeys, subject: "mailto:ops@chat.example", endpointHosts: ["127.0.0.1"], ca: fake.ca, timeoutMs: 300 });
    fake.record.answerNext({ status: 0, noAnswer: true });
    expect(await impatient.send(endpointFor(fake.subscribe(vapidKeys.publicKey)), notification)).toMatchObject({ kind: "retry", reason: "no answer in time" });
    await impatient.close();
  });

  it("checks an endpoint before registration: https, allowed host, key sizes", () => {
    const good = { token: "https://fcm.googleapis.com/fcm/send/abc", p256dh: webpush.generateVAPIDKeys().publicKey, auth: Buffer.alloc(16, 1).toString("base64url") };
    expect(webPushEndpointProblem(good)).toBeUndefined();
    expect(webPushEndpointProblem({ ...good, token: "http://fcm.googleapis.com/x" })).toMatch(/https/);
    expect(webPushEndpointProblem({ ...good, token: "https://evilfcm.googleapis.com.example/x" })).toMatch(/not a known push service/);
    expect(webPushEndpointProblem({ ...good, token: "not a url" })).toMatch(/not a URL/);
    expect(webPushEndpointProblem({ ...good, p256dh: "AAAA" })).toMatch(/p256dh/);
    expect(webPushEndpointProblem({ ...good, auth: "AAAA" })).toMatch(/auth/);
  });

  it("refuses a bad VAPID configuration at construction", () => {
    expect(() => new WebPushProvider({ vapidKeys: { publicKey: "AAAA", privateKey: "BBBB" }, subject: "mailto:a@b.example" })).toThrow(/public key/i);
    expect(() => new WebPushProvider({ vapidKeys, subject: "ftp://nope" })).toThrow(/subject/i);
  });
});
