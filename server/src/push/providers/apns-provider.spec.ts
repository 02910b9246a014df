import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApnsFake, startApnsFake } from "../../../test/push/apns-fake.ts";
import { ApnsProvider, type ApnsProviderOptions } from "./apns-provider.ts";
import { collapseKey } from "./notification-payload.ts";
import type { PushEndpointRecord, PushNotification } from "./provider.ts";

const notification: PushNotification = {
  conversationId: "c-apns", seq: 3, count: 1, title: "carol in #ops", body: "deploy done", mention: true, ttlSeconds: 900,
};

describe("ApnsProvider against a local APNs over HTTP/2 (token auth)", () => {
  let fake: ApnsFake;
  let provider: ApnsProvider;
  let now = Date.now();
  const minutes = (n: number) => n * 60_000;
  const endpoint = (token: string, sandbox = false): PushEndpointRecord => ({
    userId: "u", deviceId: "d", provider: "apns", token, apnsSandbox: sandbox, registeredAt: new Date(),
  });
  const options = (): ApnsProviderOptions => ({
    signingKey: fake.signingKey, keyId: fake.keyId, teamId: fake.teamId, topic: fake.topic,
    productionUrl: fake.productionOrigin, sandboxUrl: fake.sandboxOrigin, ca: fake.ca, timeoutMs: 3_000, now: () => now,
  });

  beforeAll(async () => {
    fake = await startApnsFake({ now: () => now });
    provider = new ApnsProvider(options());
  });
  afterAll(async () => {
    await provider?.close();
    await fake?.close();
  });

  it("sends the headers and payload APNs expects, to the host of the token's environment, on one kept session each", async () => {
    const phone = fake.register("production");
    const devBuild = fake.register("sandbox");
    expect(await provider.send(endpoint(phone), notification)).toEqual({ kind: "sent" });
    expect(await provider.send(endpoint(phone), { ...notification, seq: 4 })).toEqual({ kind: "sent" });
    expect(await provider.send(endpoint(devBuild, true), notification)).toEqual({ kind: "sent" });
    const [first, , third] = await fake.record.waitForAccepted(3);
    expect(first!.headers).toMatchObject({
      "apns-topic": fake.topic, "apns-push-type": "alert", "apns-priority": "10",
      "apns-expiration": String(Math.floor(now / 1000) + 900), "apns-collapse-id": collapseKey("c-apns"),
    });
    expect(first!.payload).toEqual({
      aps: { alert: { title: "carol in #ops", body: "deploy done" }, "thread-id": "c-apns", sound: "default" },
      conversationId: "c-apns", seq: 3, count: 1, mention: true,
    });
    expect([first!.environment, third!.environment]).toEqual(["production", "sandbox"]);
    expect(fake.sessions).toBe(2);
    expect(provider.sessionsOpened).toBe(2);
    expect(fake.record.refused).toEqual([]);
  });

  it("keeps its provider token for 40 minutes, then signs a new one (never within 20)", async () => {
    const phone = fake.register("production");
    const before = fake.record.accepted.length;
    now += minutes(39);
    expect(await provider.send(endpoint(phone), notification)).toEqual({ kind: "sent" });
    now += minutes(2);
    expect(await provider.send(endpoint(phone), notification)).toEqual({ kind: "sent" });
    const [kept, renewed] = (await fake.record.waitForAccepted(before + 2)).slice(before);
    expect(renewed!.iat - kept!.iat).toBeGreaterThanOrEqual(40 * 60);
    expect(fake.record.refused).toEqual([]);
  });

  it("answers ExpiredProviderToken with a new token when one is allowed, else a retry after the 20 minutes", async () => {
    const phone = fake.register("production");
    const before = fake.record.accepted.length;
    now += minutes(25); // the token in use is 25 minutes old: renewing is allowed
    fake.record.answerNext({ status: 403, body: { reason: "ExpiredProviderToken" } });
    expect(await provider.send(endpoint(phone), notification)).toEqual({ kind: "sent" });
    const [resent] = (await fake.record.waitForAccepted(before + 1)).slice(before);
    expect(resent!.iat).toBe(Math.floor(now / 1000));
    now += minutes(5); // the new token is 5 minutes old: another would be TooManyProviderTokenUpdates
    fake.record.answerNext({ status: 403, body: { reason: "ExpiredProviderToken" } });
    const result = await provider.send(endpoint(phone), notification);
    expect(result).toMatchObject({ kind: "retry", retryAfterMs: minutes(15) });
    expect(fake.record.refused).toEqual([]);
  });

  it("maps APNs's answers: 410/BadDeviceToken gone, 429/5xx retry, other 4xx failed", async () => {
    const phone = fake.register("production");
    fake.record.answerNext(
      { status: 429, body: { reason: "TooManyRequests" } },
      { status: 503, headers: { "retry-after": "12" }, body: { reason: "ServiceUnavailable" } },
      { status: 500, body: { reason: "InternalServerError" } },
      { status: 413, body: { reason: "PayloadTooLarge" } },
      { status: 400, body: { reason: "BadCollapseId" } },
    );
    expect(await provider.send(endpoint(phone), notification)).toMatchObject({ kind: "retry", reason: expect.stringContaining("TooManyRequests") });
    expect(await provider.send(endpoint(phone), notification)).toMatchObject({ kind: "retry", retryAfterMs: 12_000 });
    expect(await provider.send(endpoint(phone), notification)).toMatchObject({ kind: "retry", reason: expect.stringContaining("500") });
    expect(await provider.send(endpoint(phone), notification)).toMatchObject({ kind: "failed", reason: expect.stringContaining("PayloadTooLarge") });
    expect(await provider.send(endpoint(phone), notification)).toMatchObject({ kind: "failed", reason: expect.stringContaining("BadCollapseId") });
    // A development build's token sent to the production host, as an endpoint registered without apns_sandbox.
    expect(await provider.send(endpoint(fake.register("sandbox")), notification)).toMatchObject({ kind: "gone", reason: expect.stringContaining("BadDeviceToken") });
    fake.unregister(phone);
    expect(await provider.send(endpoint(phone), notification)).toMatchObject({ kind: "gone", reason: expect.stringContaining("410") });
    expect(await provider.send(endpoint("../../admin"), notification)).toMatchObject({ kind: "failed", reason: expect.stringContaining("hexadecimal") });
    expect(fake.record.refused).toEqual([]);
  });

  it("opens a new session after a GOAWAY, and retries when APNs cannot be reached", async () => {
    const phone = fake.register("production");
    const opened = provider.sessionsOpened;
    fake.goAway();
    // The GOAWAY may arrive before or after the next request leaves: either it is answered on the old
    // session or it fails there (retry); from then on a new session carries the pushes.
    const first = await provider.send(endpoint(phone), notification);
    expect(["sent", "retry"]).toContain(first.kind);
    expect(await provider.send(endpoint(phone), notification)).toEqual({ kind: "sent" });
    expect(provider.sessionsOpened).toBe(opened + 1);
    const unreachable = new ApnsProvider({ ...options(), productionUrl: "https://127.0.0.1:9" });
    expect(await unreachable.send(endpoint(phone), notification)).toMatchObject({ kind: "retry", reason: expect.stringContaining("ECONNREFUSED") });
    await unreachable.close();
  });

  it("gives up on an APNs that does not answer within its timeout (retry), then sends on a new session", async () => {
    const impatient = new ApnsProvider({ ...options(), timeoutMs: 300 });
    const phone = fake.register("production");
    expect(await impatient.send(endpoint(phone), notification)).toEqual({ kind: "sent" });
    fake.record.answerNext({ status: 0, noAnswer: true });
    expect(await impatient.send(endpoint(phone), notification)).toMatchObject({ kind: "retry", reason: "no answer in time" });
    expect(await impatient.send(endpoint(phone), notification)).toEqual({ kind: "sent" });
    expect(impatient.sessionsOpened).toBe(2);
    await impatient.close();
    expect(() => new ApnsProvider({ ...options(), sandboxUrl: "api.sandbox.push.apple.com:443" })).toThrow(/APNs sandbox URL/);
  });

  it("is refused (failed) with the wrong team id, and refuses a key that is not a P-256 .p8 at construction", async () => {
    const wrongTeam = new ApnsProvider({ ...options(), teamId: "WRONGTEAM1" });
    expect(await wrongTeam.send(endpoint(fake.register("production")), notification)).toMatchObject({ kind: "failed", reason: expect.stringContaining("InvalidProviderToken") });
    await wrongTeam.close();
    expect(fake.record.refused.splice(0)).toEqual([expect.stringContaining("InvalidProviderToken")]);
    const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    expect(() => new ApnsProvider({ ...options(), signingKey: rsa })).toThrow(/P-256/);
  });
});
