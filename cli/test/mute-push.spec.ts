import { join } from "node:path";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { bearer, createChatClients } from "@chat/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CliUsers, password } from "./cli-users.ts";
import { repoRoot } from "./server-process.ts";
import { ScreenArchive } from "./tmux.ts";

/**
 * Mute and push settings in the terminal client against a real server: `chat mute/unmute` and `chat
 * push previews` for scripts, `/mute 8h` in the interactive client, and a mute kept in config.json by
 * an older client moved to the server. Screens under test-artifacts/cli-mute/.
 */

const artifacts = new ScreenArchive(join(repoRoot, "test-artifacts", "cli-mute"));
let users: CliUsers;

beforeAll(async () => {
  users = await CliUsers.start("cli-mute");
});

afterAll(async () => {
  await users?.stop();
});

/** A user's own clients on a device of their own (to read what the server keeps). */
async function clientsOf(username: string) {
  const anonymous = createChatClients(createGrpcTransport({ baseUrl: users.server.url }));
  const { token } = await anonymous.auth.login({ username, password, deviceName: "check" });
  return createChatClients(createGrpcTransport({ baseUrl: users.server.url, interceptors: [bearer(token)] }));
}

describe("chat mute and push", () => {
  it("mutes for a while or until unmuted on the server, and sets previews", { timeout: 60_000 }, async () => {
    await users.chat("dora", "register", "dora");
    await users.chat("eli", "register", "eli");
    await users.chat("eli", "send", "@dora", "hi");
    const dora = await clientsOf("dora");
    const muted = async () => (await dora.conversations.listConversations({})).conversations[0]!;

    const { stdout } = await users.chat("dora", "mute", "@eli", "--for", "8h", "--json");
    const json = JSON.parse(stdout);
    expect(json).toMatchObject({ conversation: "eli", muted: true });
    expect(Date.parse(json.mutedUntil) - Date.now()).toBeGreaterThan(7.9 * 3_600_000);
    expect((await muted()).muted).toBe(true);
    expect((await users.chat("dora", "unmute", "@eli")).stdout.trim()).toBe("unmuted @eli");
    expect((await muted()).muted).toBe(false);
    expect((await users.chat("dora", "mute", "@eli")).stdout.trim()).toBe("muted @eli");
    expect((await muted()).mutedUntil).toBeUndefined();
    await expect(users.chat("dora", "mute", "@eli", "--for", "soon")).rejects.toMatchObject({ stderr: expect.stringMatching(/^chat: invalid_argument: "soon" is not a duration/) });

    expect((await users.chat("dora", "push", "previews", "on")).stdout).toMatch(/^previews on: notifications show the message text\n/);
    expect((await dora.push.getPushSettings({})).settings?.showPreviews).toBe(true);
    expect(JSON.parse((await users.chat("dora", "push", "--json")).stdout)).toMatchObject({ previews: true, thisDeviceRegistered: false });
    await users.chat("dora", "push", "previews", "off");
    expect((await dora.push.getPushSettings({})).settings?.showPreviews).toBe(false);
    await expect(users.chat("dora", "push", "previews", "maybe")).rejects.toMatchObject({ stderr: "chat: invalid_argument: previews is on or off\n" });
  });

  it("/mute 8h and /unmute in the interactive client, and a mute of an older client's config moved to the server", { timeout: 60_000 }, async () => {
    await users.chat("fay", "register", "fay");
    await users.chat("gus", "register", "gus");
    await users.chat("gus", "send", "@fay", "first");
    const fay = await clientsOf("fay");
    const conversation = (await fay.conversations.listConversations({})).conversations[0]!;
    // An older client kept its mutes in config.json.
    const { readFile, writeFile } = await import("node:fs/promises");
    const configFile = join(users.env("fay").CHAT_CONFIG_DIR!, "config.json");
    await writeFile(configFile, JSON.stringify({ ...JSON.parse(await readFile(configFile, "utf8")), muted: [conversation.id] }));

    const term = users.open("fay", { width: 90, height: 20 });
    await term.waitFor("the muted conversation", (s) => s.includes("@gus") && s.includes("· muted"));
    await expect.poll(async () => (await fay.conversations.getConversation({ conversationId: conversation.id })).conversation?.muted, { timeout: 10_000 }).toBe(true);
    await expect.poll(async () => JSON.parse(await readFile(configFile, "utf8")).muted, { timeout: 10_000 }).toBeUndefined();

    term.type("/unmute");
    term.press("Enter");
    await term.waitFor("unmuted", (s) => s.includes("unmuted") && !s.includes("· muted"));
    term.type("/mute 8h");
    term.press("Enter");
    const screen = await term.waitFor("muted for 8 hours", (s) => /muted until .*: no push, no bell, not counted/.test(s) && s.includes("· muted"));
    expect(screen).toContain("· muted");
    artifacts.save("muted-8h", term);
    const after = (await fay.conversations.getConversation({ conversationId: conversation.id })).conversation!;
    expect(after.muted).toBe(true);
    expect(Number(after.mutedUntil!.seconds) * 1000 - Date.now()).toBeGreaterThan(7.9 * 3_600_000);
    term.press("C-c");
  });
});
