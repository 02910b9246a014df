import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fcmError, type FcmFake, startFcmFake } from "../../../test/push/fcm-fake.ts";
import { FcmProvider } from "./fcm-provider.ts";
import { parseServiceAccount } from "./google-access-token.ts";
import { collapseKey } from "./notification-payload.ts";
import type { PushEndpointRecord, PushNotification } from "./provider.ts";

const notification: PushNotification = {
  conversationId: "c-1", seq: 7, count: 2, title: "bob", body: "2 new messages", mention: false, ttlSeconds: 600,
};

describe("FcmProvider against a local FCM v1 API and token endpoint", () => {
  let fake: FcmFake;
  let provider: FcmProvider;
  let now = Date.now();
  const endpoint = (token: string): PushEndpointRecord => ({ userId: "u", deviceId: "d", provider: "fcm", token, registeredAt: new Date() });

  beforeAll(async () => {
    fake = await startFcmFake({ now: () => now });
    const serviceAccount = parseServiceAccount(fake.serviceAccountJson, "test account");
    provider = new FcmProvider({ serviceAccount, baseUrl: fake.origin, ca: fake.ca, timeoutMs: 3_000, now: () => now });
  });
  afterAll(async () => {
    await provider?.close();
    await fake?.close();
  });

  it("exchanges a signed assertion for a token once and sends notification, string data and the android block", async () => {
    const token = fake.register();
    expect(await provider.send(endpoint(token), notification)).toEqual({ kind: "sent" });
    expect(await provider.send(endpoint(token), { ...notification, seq: 8 })).toEqual({ kind: "sent" });
    const [first, second] = await fake.record.waitForAccepted(2);
    expect(first!.message).toEqual({
      token,
      notification: { title: "bob", body: "2 new messages" },
      data: { conversationId: "c-1", seq: "7", count: "2", mention: "false" },
      android: { collapse_key: collapseKey("c-1"), ttl: "600s", priority: "HIGH", notification: { tag: collapseKey("c-1") } },
    });
    expect(second!.message.data.seq).toBe("8");
    expect(fake.tokens.accepted).toHaveLength(1); // the token is kept, not exchanged per send
    expect(fake.tokens.accepted[0]!.kid).toBe(fake.serviceAccountJson.private_key_id);
    expect(fake.record.refused).toEqual([]);
    expect(fake.tokens.refused).toEqual([]);
  });

  it("renews the token shortly before it expires, and once after a 401", async () => {
    const token = fake.register();
    const issued = fake.tokens.accepted.length;
    now += 56 * 60_000; // past expiry minus the 5-minute margin
    expect(await provider.send(endpoint(token), notification)).toEqual({ kind: "sent" });
    expect(fake.tokens.accepted).toHaveLength(issued + 1);
    fake.revokeAccessTokens();
    expect(await provider.send(endpoint(token), notification)).toEqual({ kind: "sent" });
    expect(fake.tokens.accepted).toHaveLength(issued + 2);
    expect(fake.tokens.refused).toEqual([]);
  });

  it("maps FCM's errors: UNREGISTERED gone, 429/503 retry with Retry-After, INVALID_ARGUMENT failed, a second 401 failed", async () => {
    const token = fake.register();
    fake.record.answerNext(
      { status: 429, headers: { "retry-after": "30" }, body: fcmError(429, "RESOURCE_EXHAUSTED", "quota", "QUOTA_EXCEEDED") },
      { status: 503, body: fcmError(503, "UNAVAILABLE", "busy", "UNAVAILABLE") },
      { status: 500, body: "<html>proxy error</html>" },
      { status: 403, body: fcmError(403, "PERMISSION_DENIED", "other project", "SENDER_ID_MISMATCH") },
      { status: 401, body: fcmError(401, "UNAUTHENTICATED", "no") },
      { status: 401, body: fcmError(401, "UNAUTHENTICATED", "still no") },
    );
    expect(await provider.send(endpoint(token), notification)).toMatchObject({ kind: "retry", retryAfterMs: 30_000, reason: expect.stringContaining("QUOTA_EXCEEDED") });
    expect(await provider.send(endpoint(token), notification)).toMatchObject({ kind: "retry", reason: expect.stringContaining("503") });
    expect(await provider.send(endpoint(token), notification)).toMatchObject({ kind: "retry", reason: expect.stringContaining("500") });
    expect(await provider.send(endpoint(token), notification)).toMatchObject({ kind: "failed", reason: expect.stringContaining("SENDER_ID_MISMATCH") });
    expect(await provider.send(endpoint(token), notification)).toMatchObject({ kind: "failed", reason: expect.stringContaining("401") });
    expect(await provider.send(endpoint("not-a-registered-token"), notification)).toMatchObject({ kind: "failed", reason: expect.stringContaining("INVALID_ARGUMENT") });
    expect(fake.record.refused.splice(0)).toHaveLength(1);
    fake.unregister(token);
    expect(await provider.send(endpoint(token), notification)).toMatchObject({ kind: "gone", reason: expect.stringContaining("UNREGISTERED") });
  });

  it("retries when the token endpoint is down or busy, and fails when it refuses the grant", async () => {
    const token = fake.register();
    now += 60 * 60_000; // the kept token is due for renewal
    fake.tokens.answerNext({ status: 503 }, { status: 400, body: { error: "invalid_grant", error_description: "Invalid JWT Signature." } });
    expect(await provider.send(endpoint(token), notification)).toMatchObject({ kind: "retry", reason: expect.stringContaining("token endpoint answered 503") });
    expect(await provider.send(endpoint(token), notification)).toMatchObject({ kind: "failed", reason: expect.stringContaining("invalid_grant") });
    expect(await provider.send(endpoint(token), notification)).toEqual({ kind: "sent" });
    const down = new FcmProvider({ serviceAccount: parseServiceAccount({ ...fake.serviceAccountJson, token_uri: "https://127.0.0.1:9/token" }, "t"), baseUrl: fake.origin, ca: fake.ca });
    expect(await down.send(endpoint(token), notification)).toMatchObject({ kind: "retry", reason: expect.stringContaining("ECONNREFUSED") });
  });

  it("shares one token exchange among concurrent sends", async () => {
    const token = fake.register();
    now += 60 * 60_000;
    const issued = fake.tokens.accepted.length;
    const results = await Promise.all(Array.from({ length: 5 }, () => provider.send(endpoint(token), notification)));
    expect(results.every((r) => r.kind === "sent")).toBe(true);
    expect(fake.tokens.accepted).toHaveLength(issued + 1);
  });

  it("gives up on an FCM that does not answer within its timeout (retry), and refuses a bad URL at construction", async () => {
    const serviceAccount = parseServiceAccount(fake.serviceAccountJson, "test account");
    const impatient = new FcmProvider({ serviceAccount, baseUrl: fake.origin, ca: fake.ca, timeoutMs: 300, now: () => now });
    fake.record.answerNext({ status: 0, noAnswer: true });
    expect(await impatient.send(endpoint(fake.register()), notification)).toMatchObject({ kind: "retry", reason: "no answer in time" });
    expect(() => new FcmProvider({ serviceAccount, baseUrl: "fcm.googleapis.com" })).toThrow(/the FCM URL "fcm.googleapis.com" is not an http\(s\) URL/);
  });

  it("refuses an unusable service-account file with the field at fault", () => {
    expect(() => parseServiceAccount({ ...fake.serviceAccountJson, client_email: undefined }, "sa.json")).toThrow(/sa\.json: "client_email" is missing/);
    expect(() => parseServiceAccount({ ...fake.serviceAccountJson, private_key: "nope" }, "sa.json")).toThrow(/not a PEM private key/);
    expect(() => parseServiceAccount({ ...fake.serviceAccountJson, type: "authorized_user" }, "sa.json")).toThrow(/service_account/);
  });
});
