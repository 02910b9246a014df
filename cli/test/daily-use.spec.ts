import { join } from "node:path";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { BotService } from "@chat/gen/chat/v1/bot_pb.js";
import { bearer, type ChatClients, createChatClients, nameColor } from "@chat/client";
import { Direction } from "@chat/gen/chat/v1/message_pb.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../server/test/services/free-port.ts";
import { CliUsers, password } from "./cli-users.ts";
import { repoRoot, type ServerProcess } from "./server-process.ts";
import { colourOf, ScreenArchive, type TmuxServer } from "./tmux.ts";

/** The SGR codes of the terminal's 8 name colours (app.ts: blue, green, magenta, cyan, yellow, red, bright blue, bright green). */
const sgrOfNameColour = [34, 32, 35, 36, 33, 31, 94, 92];

/**
 * The interactive client as someone uses it all day, in a real terminal (tmux) against a real
 * server: it opens at the first unread message and reads only what was shown, wraps emoji without
 * losing text, switches on quick Tabs, takes a pasted block as one message, edits like readline,
 * jumps to the next unread conversation, rings the bell for a mention and colours it, gives each
 * sender's name its colour, shows system lines and finds people (/find). Bob writes from a Node
 * client; the screens are saved under test-artifacts/cli-daily/.
 */

const artifacts = new ScreenArchive(join(repoRoot, "test-artifacts", "cli-daily"));
let server: ServerProcess;
let tmux: TmuxServer;
let users: CliUsers;

/** Bob as a Node client on the gRPC transport. */
async function bob(): Promise<{ clients: ChatClients; userId: string; token: string }> {
  const anonymous = createChatClients(createGrpcTransport({ baseUrl: server.url }));
  const { token, user } = await anonymous.auth.register({ username: "bob", password, deviceName: "test" });
  return { clients: createChatClients(createGrpcTransport({ baseUrl: server.url, interceptors: [bearer(token)] })), userId: user!.id, token };
}

beforeAll(async () => {
  users = await CliUsers.start("cli-daily");
  ({ server, tmux } = users);
});

afterAll(async () => {
  await users?.stop();
});

describe("chat, the terminal client, for a day of use", () => {
  it("opens at the first unread, wraps emoji, and takes Tab, paste, editing keys, Alt-A and the bell", { timeout: 90_000 }, async () => {
    await users.chat("alice", "register", "alice");
    const { clients, userId: bobId, token: bobToken } = await bob();
    const { conversation: direct } = await clients.conversations.getOrCreateDirect({ username: "alice" });
    const dm = direct!.id;
    for (let i = 1; i <= 30; i++) await clients.live.sendMessage({ conversationId: dm, clientMessageId: `m${i}`, text: `unread ${i}` });
    const aliceRead = async () => (await clients.conversations.getConversation({ conversationId: dm })).conversation!.readStates.find((r) => r.userId !== bobId)?.readSeq ?? 0n;

    // 60×20: the list takes 20 columns, the messages the rest. The view opens at the "new messages" line.
    const alice = users.open("alice", { width: 60, height: 20 });
    const opened = await alice.waitFor("the new-messages line", (s) => s.includes("new messages") && s.includes("unread 1") && /online\s*$/.test(s.split("\n")[0]!));
    expect(opened).not.toContain("unread 30");
    artifacts.save("opened-at-unread", alice);
    // Only what was on screen is read: not all 30 at once.
    await expect.poll(aliceRead, { timeout: 10_000 }).toBeGreaterThan(0n);
    expect(await aliceRead()).toBeLessThan(30n);
    alice.press("PageDown", "PageDown", "PageDown");
    await expect.poll(aliceRead, { timeout: 10_000 }).toBe(30n);

    // A line with emoji wraps by cells, and every character stays on screen.
    const path = "🎉🎉 see …/some/very/long/path/to/the/file";
    await clients.live.sendMessage({ conversationId: dm, clientMessageId: "emoji", text: path });
    const wrapped = await alice.waitFor("the emoji message", (s) => s.includes("🎉🎉 see") && s.includes("/file"));
    const rows = wrapped.split("\n").map((r) => r.slice(21).trim()); // drop the list's 20 columns and the padding
    expect(rows.join("").replace(/\s+/g, "")).toContain(path.replace(/\s+/g, ""));
    artifacts.save("emoji-wrap", alice);

    // Editing keys: ← to fix a typo, Ctrl-A to prepend, Ctrl-E, Ctrl-W to drop the last word, ↑ to recall.
    alice.type("helo world");
    alice.press("Left", "Left", "Left", "Left", "Left", "Left", "Left");
    alice.type("l");
    alice.press("C-a");
    alice.type(">> ");
    alice.press("C-e", "C-w", "Enter");
    await expect.poll(async () => (await clients.history.listMessages({ conversationId: dm, limit: 1, direction: Direction.BACKWARD })).messages[0]?.text, { timeout: 10_000 }).toBe(">> hello ");
    alice.press("Up");
    await alice.waitFor("the line recalled", (s) => s.trimEnd().split("\n").at(-1)!.startsWith("> >> hello"));
    alice.press("C-u");
    await alice.waitFor("the line cleared", (s) => s.trimEnd().split("\n").at(-1)!.trim() === ">");

    // A pasted block (bracketed paste) is one message, sent with one Enter.
    tmux.tmux("set-buffer", "-b", "p", "first line\nsecond line\nthird line");
    tmux.tmux("paste-buffer", "-p", "-b", "p", "-t", "alice");
    await alice.waitFor("the pasted lines in the input", (s) => s.includes("> first line") && s.includes("  third line"));
    artifacts.save("pasted", alice);
    alice.press("Enter");
    await expect.poll(async () => (await clients.history.listMessages({ conversationId: dm, limit: 1, direction: Direction.BACKWARD })).messages[0]?.text, { timeout: 10_000 }).toBe("first line\nsecond line\nthird line");

    // Two groups; a mention in one rings the bell, Alt-A jumps to it, two quick Tabs switch twice.
    const { conversation: team } = await clients.conversations.createGroup({ name: "team", memberUsernames: ["alice"] });
    const { conversation: ops } = await clients.conversations.createGroup({ name: "ops", memberUsernames: ["alice"] });
    await alice.waitFor("both groups listed", (s) => s.includes("# team") && s.includes("# ops"));
    const bell = () => tmux.tmux("display-message", "-p", "-t", "alice", "#{window_bell_flag}").trim();
    expect(bell()).toBe("0");
    await clients.live.sendMessage({ conversationId: team!.id, clientMessageId: "mention", text: "@alice can you look at this?" });
    await alice.waitFor("the group's unread count, a mention of alice among them", (s) => /# team \(1 @\)/.test(s));
    await expect.poll(bell, { timeout: 5_000 }).toBe("1");
    alice.press("M-a");
    await alice.waitFor("the group opened", (s) => s.includes("# team ·") && s.includes("@alice can you look at"));
    artifacts.save("alt-a", alice);
    // The mention of me stands out (the mention colour, yellow by default), Bob's name has his own
    // colour (the same in every group), and the group's creation is a system line.
    // Polled: the screen may still be redrawn once (what the client learns about the people in it).
    await expect.poll(() => colourOf(alice.captureStyled(), "can you look at"), { timeout: 5_000 }).toBe(33);
    await expect.poll(() => colourOf(alice.captureStyled(), "@bob:"), { timeout: 5_000 }).toBe(sgrOfNameColour[nameColor(bobId)]);
    expect(alice.capture()).toContain("· @bob created the group with you");
    // /find: people by the start of their name.
    alice.type("/find bo");
    alice.press("Enter");
    await alice.waitFor("the people found", (s) => s.includes("found: @bob"));
    alice.press("Tab", "Tab");
    const switched = await alice.waitFor("two conversations on", (s) => s.includes("# ops ·") || s.includes("@bob ·"));
    expect(switched.split("\n").at(-1)).not.toMatch(/\t|> \s+\S/);
    void ops;

    // The scriptable side: people by prefix, and --json with names rather than ids and enum names.
    const found = (await users.chat("alice", "users", "bo", "--json")).stdout.trim().split("\n").map((l) => JSON.parse(l));
    expect(found).toEqual([{ username: "bob", displayName: "bob", online: false, id: bobId }]);
    const listed = (await users.chat("alice", "ls", "--json")).stdout.trim().split("\n").map((l) => JSON.parse(l));
    expect(listed.map((c) => [c.title, c.kind, c.members.map((m: { username: string; role: string }) => `${m.username}:${m.role}`).sort().join(" ")]).sort())
      .toEqual([["bob", "direct", "alice:member bob:member"], ["ops", "group", "alice:member bob:owner"], ["team", "group", "alice:member bob:owner"]]);
    const last = JSON.parse((await users.chat("alice", "history", "@bob", "--limit", "1", "--json")).stdout);
    expect(last).toMatchObject({ seq: 33, sender: "alice", text: "first line\nsecond line\nthird line" });
    expect(new Date(last.sentAt).toISOString()).toBe(last.sentAt);
    // @me is the note to self, in every command.
    expect(JSON.parse((await users.chat("alice", "send", "@me", "buy milk", "--json")).stdout)).toMatchObject({ conversation: "Note to self", seq: 1 });
    expect(JSON.parse((await users.chat("alice", "history", "@me", "--json")).stdout)).toMatchObject({ sender: "alice", text: "buy milk" });
    // A bot is marked as one in plain text too: in `ls` and in `history`.
    const bots = createClient(BotService, createGrpcTransport({ baseUrl: server.url, interceptors: [bearer(bobToken)] }));
    const { bot } = await bots.createBot({ username: "beepbot" });
    const { token: botToken } = await bots.createBotToken({ botId: bot!.id, name: "cli test", canWrite: true });
    const botClients = createChatClients(createGrpcTransport({ baseUrl: server.url, interceptors: [bearer(botToken)] }));
    const { conversation: botDm } = await botClients.conversations.getOrCreateDirect({ username: "alice" });
    await botClients.live.sendMessage({ conversationId: botDm!.id, clientMessageId: "beep1", text: "beep" });
    expect((await users.chat("alice", "history", "@beepbot")).stdout).toMatch(/ @beepbot \[bot\]: beep$/m);
    expect((await users.chat("alice", "ls")).stdout).toMatch(/ @beepbot \[bot\] .*@beepbot \[bot\]: beep/);

    // `chat send` to a server that is down says so at once, and gives up when told.
    const down = `http://127.0.0.1:${await freePort()}`;
    const started = Date.now();
    const failed = await users.chat("alice", "send", "--server", down, "--wait", "1", "@bob", "hi").catch((err: { stderr: string; code: number }) => err);
    expect((failed as { code: number }).code).toBe(1);
    expect((failed as { stderr: string }).stderr).toMatch(/unavailable.*retrying for up to 1 s/);
    expect(Date.now() - started).toBeLessThan(8_000);

    alice.press("C-c");
    await alice.waitFor("alice's client to exit", (s) => s === "(the session has ended)");
  });
});
