import { generateKeyPairSync, type KeyObject, createPrivateKey, sign } from "node:crypto";
import { connect } from "node:http2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requestText } from "../../src/push/providers/http-request.ts";
import { signJwt } from "../../src/push/providers/jwt.ts";
import { type ApnsFake, startApnsFake } from "./apns-fake.ts";
import { type FcmFake, startFcmFake } from "./fcm-fake.ts";

/** The fakes are only worth their tests if they refuse what the real services refuse: these prove it. */
describe("the FCM fake refuses what Google refuses", () => {
  let fake: FcmFake;
  let key: KeyObject;
  beforeAll(async () => {
    fake = await startFcmFake();
    key = createPrivateKey(fake.serviceAccountJson.private_key!);
  });
  afterAll(() => fake?.close());

  const exchange = async (claims: Record<string, unknown>, signer = key) => {
    const iat = Math.floor(Date.now() / 1000);
    const assertion = signJwt("RS256", signer, {}, {
      iss: fake.serviceAccountJson.client_email, aud: fake.serviceAccountJson.token_uri,
      scope: "https://www.googleapis.com/auth/firebase.messaging", iat, exp: iat + 3600, ...claims,
    });
    const body = new URLSearchParams({ grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer", assertion }).toString();
    return requestText(fake.serviceAccountJson.token_uri!, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body, timeoutMs: 3_000, ca: fake.ca });
  };

  it("refuses assertions signed by another key, for another audience, without the scope or living over an hour", async () => {
    const other = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
    expect((await exchange({}, other)).status).toBe(400);
    expect((await exchange({ aud: "https://oauth2.googleapis.com/token" })).status).toBe(400);
    expect((await exchange({ scope: "https://www.googleapis.com/auth/cloud-platform.read-only" })).status).toBe(400);
    expect((await exchange({ exp: Math.floor(Date.now() / 1000) + 7200 })).status).toBe(400);
    expect(fake.tokens.refused).toEqual([
      "bad signature", expect.stringContaining("aud"), expect.stringContaining("scope"), expect.stringContaining("exp"),
    ]);
  });

  it("refuses a send without a live token, and a message with non-string data or an unknown field", async () => {
    const answer = await exchange({});
    const { access_token: token } = JSON.parse(answer.body) as { access_token: string };
    const send = (message: object, bearer = token) => requestText(`${fake.origin}/v1/projects/${fake.projectId}/messages:send`, {
      method: "POST", headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json" }, body: JSON.stringify({ message }), timeoutMs: 3_000, ca: fake.ca,
    });
    const good = { token: fake.register(), notification: { title: "t", body: "b" }, data: { seq: "1" }, android: { collapse_key: "k", ttl: "60s", priority: "HIGH" } };
    expect((await send(good)).status).toBe(200);
    expect((await send(good, "ya29.made-up")).status).toBe(401);
    expect((await send({ ...good, data: { seq: 1 } })).status).toBe(400);
    expect((await send({ ...good, android: { ...good.android, ttl: 60 } })).status).toBe(400);
    expect((await send({ ...good, collapse_key: "k" })).status).toBe(400);
    expect(fake.record.refused).toEqual([expect.stringContaining("must be strings"), expect.stringContaining("Duration"), expect.stringContaining("Unknown name")]);
  });
});

describe("the APNs fake refuses what Apple refuses", () => {
  let fake: ApnsFake;
  beforeAll(async () => {
    fake = await startApnsFake();
  });
  afterAll(() => fake?.close());

  /** One push on a new HTTP/2 connection to the production host; resolves with status and APNs reason. */
  const push = (jwt: string, headers: Record<string, string> = {}, deviceToken = fake.register("production")) =>
    new Promise<{ status: number; reason: string }>((resolve, reject) => {
      const session = connect(fake.productionOrigin, { ca: fake.ca });
      session.on("error", reject);
      const stream = session.request({
        ":method": "POST", ":path": `/3/device/${deviceToken}`, authorization: `bearer ${jwt}`, "apns-topic": fake.topic,
        "apns-push-type": "alert", "apns-priority": "10", "apns-expiration": "0", ...headers,
      });
      let status = 0;
      let body = "";
      stream.on("response", (h) => (status = Number(h[":status"])));
      stream.on("data", (chunk: Buffer) => (body += chunk.toString()));
      stream.on("end", () => {
        session.close();
        resolve({ status, reason: body ? String(JSON.parse(body).reason) : "" });
      });
      stream.end(JSON.stringify({ aps: { alert: { title: "t", body: "b" }, "thread-id": "c" } }));
    });
  const token = (claims: Record<string, unknown> = {}, keyId = fake.keyId) =>
    signJwt("ES256", createPrivateKey(fake.signingKey), { kid: keyId }, { iss: fake.teamId, iat: Math.floor(Date.now() / 1000), ...claims });

  it("accepts a well-formed push and refuses a DER signature, another key id, an old token, another topic and push type", async () => {
    expect(await push(token())).toEqual({ status: 200, reason: "" });
    const [input] = token().split(/\.(?=[^.]+$)/);
    const der = sign("sha256", Buffer.from(input!), createPrivateKey(fake.signingKey)).toString("base64url");
    expect(await push(`${input}.${der}`)).toEqual({ status: 403, reason: "InvalidProviderToken" });
    expect(await push(token({}, "OTHERKEY01"))).toEqual({ status: 403, reason: "InvalidProviderToken" });
    expect(await push(token({ iat: Math.floor(Date.now() / 1000) - 3700 }))).toEqual({ status: 403, reason: "ExpiredProviderToken" });
    expect(await push(token(), { "apns-topic": "com.example.other" })).toEqual({ status: 400, reason: "DeviceTokenNotForTopic" });
    expect(await push(token(), { "apns-push-type": "background" })).toEqual({ status: 400, reason: "InvalidPushType" });
    expect(await push(token(), {}, fake.register("sandbox"))).toEqual({ status: 400, reason: "BadDeviceToken" });
    expect(fake.record.refused).toEqual([
      expect.stringContaining("ES256 signature is"), expect.stringContaining("kid"), expect.stringContaining("DeviceTokenNotForTopic"), expect.stringContaining("InvalidPushType"),
    ]);
  });
});
