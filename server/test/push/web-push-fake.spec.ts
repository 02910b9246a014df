import { request } from "node:https";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import webpush from "web-push";
import { startWebPushFake, type WebPushFake } from "./web-push-fake.ts";

/** The fake is only worth its tests if it refuses what a real push service refuses: these prove it does. */
describe("the Web Push fake refuses what a push service refuses", () => {
  let fake: WebPushFake;
  const keys = webpush.generateVAPIDKeys();
  const vapidDetails = { subject: "mailto:ops@chat.example", ...keys };

  beforeAll(async () => {
    fake = await startWebPushFake();
  });
  afterAll(() => fake?.close());

  /** Sends a request built by web-push, after `change` had its way with it; resolves with the status. */
  function post(details: webpush.RequestDetails, change: (d: { headers: Record<string, string | number>; body: Buffer }) => void = () => {}): Promise<number> {
    const parts = { headers: { ...details.headers } as Record<string, string | number>, body: details.body ?? Buffer.alloc(0) };
    change(parts);
    parts.headers["Content-Length"] = parts.body.length;
    return new Promise((resolve, reject) => {
      const req = request(details.endpoint, { method: "POST", headers: parts.headers, ca: fake.ca }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end(parts.body);
    });
  }

  it("accepts a well-formed push and refuses a tampered body, the old aesgcm coding, a wrong aud and a missing TTL", async () => {
    const subscription = fake.subscribe(keys.publicKey);
    const sub = { endpoint: subscription.endpoint, keys: { p256dh: subscription.p256dh, auth: subscription.auth } };
    const good = () => webpush.generateRequestDetails(sub, '{"x":1}', { vapidDetails, TTL: 60, contentEncoding: "aes128gcm" });
    expect(await post(good())).toBe(201);
    expect(await post(good(), (d) => { d.body[d.body.length - 1]! ^= 1; })).toBe(400);
    expect(await post(webpush.generateRequestDetails(sub, '{"x":1}', { vapidDetails, TTL: 60, contentEncoding: "aesgcm" }))).toBe(401); // the draft scheme: "WebPush" auth, no aes128gcm
    const elsewhere = webpush.getVapidHeaders("https://push.example", vapidDetails.subject, keys.publicKey, keys.privateKey, "aes128gcm");
    expect(await post(good(), (d) => { d.headers.Authorization = elsewhere.Authorization; })).toBe(401);
    expect(await post(good(), (d) => { delete d.headers.TTL; })).toBe(400);
    expect(fake.record.refused).toEqual([
      expect.stringContaining("does not decrypt"),
      expect.stringContaining("Authorization is not"),
      expect.stringContaining("aud"),
      expect.stringContaining("TTL"),
    ]);
    expect(fake.record.accepted).toHaveLength(1);
  });
});
