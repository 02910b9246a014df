import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
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

  it("names the file and the problem when credentials are unusable", () => {
    const file = join(dir, "bad.json");
    writeFileSync(file, '{"publicKey": 1}');
    expect(() => readPushCredentials({ webPush: { vapidKeysFile: file, subject: "mailto:a@b.example" } })).toThrow(/bad\.json: expected/);
    expect(() => readPushCredentials({ webPush: { vapidKeysFile: join(dir, "missing.json"), subject: "mailto:a@b.example" } })).toThrow(/missing\.json/);
    expect(runPushCommand(["push", "other"], () => {}, () => {})).toBe(2);
  });
});
