import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { startApnsFake } from "../../../test/push/apns-fake.ts";
import { createPushProviders, readPushCredentials } from "./push-providers.ts";
import { runPushCommand } from "./vapid-keys-command.ts";

describe("createPushProviders / readPushCredentials", () => {
  const dir = mkdtempSync(join(tmpdir(), "chat-push-creds-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("configures nothing without credentials", async () => {
    const providers = createPushProviders(readPushCredentials({}));
    expect(providers.kinds).toEqual([]);
    expect(providers.get("webpush")).toBeUndefined();
    expect(providers.webPushPublicKey).toBe("");
    await providers.close();
  });

  it("reads the key pair `chat-server push vapid-keys` prints and offers Web Push with its public key", async () => {
    const printed: string[] = [];
    expect(runPushCommand(["push", "vapid-keys"], (line) => printed.push(line))).toBe(0);
    const file = join(dir, "vapid.json");
    writeFileSync(file, printed.join("\n"));
    const providers = createPushProviders(readPushCredentials({ webPush: { vapidKeysFile: file, subject: "mailto:ops@chat.example" } }));
    expect(providers.kinds).toEqual(["webpush"]);
    expect(providers.get("webpush")?.kind).toBe("webpush");
    expect(providers.webPushPublicKey).toBe(JSON.parse(printed.join("\n")).publicKey);
    await providers.close();
  });

  it("reads the three services' credential files and lists the kinds in a stable order", async () => {
    const printed: string[] = [];
    runPushCommand(["push", "vapid-keys"], (line) => printed.push(line));
    const vapid = join(dir, "vapid3.json");
    writeFileSync(vapid, printed.join("\n"));
    const serviceAccount = join(dir, "service-account.json");
    writeFileSync(serviceAccount, JSON.stringify({
      type: "service_account", project_id: "p", private_key_id: "k", client_email: "push@p.iam.gserviceaccount.com",
      private_key: generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }),
      token_uri: "https://oauth2.googleapis.com/token",
    }));
    const p8 = join(dir, "AuthKey_ABC123DEFG.p8");
    writeFileSync(p8, generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey.export({ type: "pkcs8", format: "pem" }));
    const providers = createPushProviders(readPushCredentials({
      apns: { keyFile: p8, keyId: "ABC123DEFG", teamId: "TEAM123456", topic: "com.example.chat" },
      fcm: { serviceAccountFile: serviceAccount },
      webPush: { vapidKeysFile: vapid, subject: "https://chat.example/contact" },
    }));
    expect(providers.kinds).toEqual(["webpush", "fcm", "apns"]);
    expect(providers.get("apns")?.kind).toBe("apns");
    expect(providers.get("fcm")?.kind).toBe("fcm");
    await providers.close();
  });

  it("tells the node when a kept connection ends outside a request (an APNs GOAWAY)", async () => {
    const apns = await startApnsFake();
    const ends: [string, string][] = [];
    const providers = createPushProviders({
      apns: { signingKey: apns.signingKey, keyId: apns.keyId, teamId: apns.teamId, topic: apns.topic, productionUrl: apns.productionOrigin, ca: apns.ca },
    }, { onConnectionEnd: (kind, reason) => ends.push([kind, reason]) });
    const device = { userId: "u", deviceId: "d", provider: "apns" as const, token: apns.register("production"), registeredAt: new Date() };
    const notification = { conversationId: "c", seq: 1, count: 1, title: "t", body: "b", mention: false, ttlSeconds: 60 };
    try {
      expect(await providers.get("apns")!.send(device, notification)).toEqual({ kind: "sent" });
      apns.goAway();
      await vi.waitFor(() => expect(ends).toEqual([["apns", expect.stringContaining("GOAWAY")]]), { timeout: 5_000 });
    } finally {
      await providers.close();
      await apns.close();
    }
  });

  it("names the file and the problem when credentials are unusable", () => {
    const file = join(dir, "bad.json");
    writeFileSync(file, '{"publicKey": 1}');
    expect(() => readPushCredentials({ webPush: { vapidKeysFile: file, subject: "mailto:a@b.example" } })).toThrow(/bad\.json: expected/);
    expect(() => readPushCredentials({ webPush: { vapidKeysFile: join(dir, "missing.json"), subject: "mailto:a@b.example" } })).toThrow(/missing\.json/);
    expect(() => readPushCredentials({ fcm: { serviceAccountFile: file } })).toThrow(/bad\.json: "project_id" is missing/);
    expect(() => createPushProviders(readPushCredentials({ apns: { keyFile: file, keyId: "k", teamId: "t", topic: "x" } }))).toThrow();
    expect(runPushCommand(["push", "other"], () => {}, () => {})).toBe(2);
  });
});
