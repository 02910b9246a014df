import { join } from "node:path";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { bearer, type ChatClients, createChatClients } from "@chat/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CliUsers, password } from "./cli-users.ts";
import { repoRoot } from "./server-process.ts";
import { colourOf, ScreenArchive } from "./tmux.ts";

/**
 * Search in the terminal client against a real server: `chat search` for scripts (plain lines when
 * piped, `--json`, `--in`, the server's refusal of a bad query), `chat history --around` for a hit's
 * context, and `/search` in the interactive client (tmux): ↑↓ pick a hit, Enter opens the
 * conversation at it with the messages around it, the hit highlighted. Screens under
 * test-artifacts/cli-search/.
 */

const artifacts = new ScreenArchive(join(repoRoot, "test-artifacts", "cli-search"));
let users: CliUsers;
let bob: { clients: ChatClients; userId: string };

beforeAll(async () => {
  users = await CliUsers.start("cli-search");
  await users.chat("alice", "register", "alice");
  const anonymous = createChatClients(createGrpcTransport({ baseUrl: users.server.url }));
  const { token, user } = await anonymous.auth.register({ username: "bob", password, deviceName: "test" });
  bob = { clients: createChatClients(createGrpcTransport({ baseUrl: users.server.url, interceptors: [bearer(token)] })), userId: user!.id };
});

afterAll(async () => {
  await users?.stop();
});

/** Bob writes `texts` in a new group "ops" with alice, numbered from seq 2 (the group's "created" event is 1). */
async function opsGroup(texts: string[]): Promise<string> {
  const { conversation } = await bob.clients.conversations.createGroup({ name: "ops", memberUsernames: ["alice"] });
  for (const [i, text] of texts.entries()) await bob.clients.live.sendMessage({ conversationId: conversation!.id, clientMessageId: `o${i}`, text });
  return conversation!.id;
}

describe("chat search", () => {
  it("prints one line per hit, newest first, plain when piped; --json, --in, and a bad query's reason", { timeout: 60_000 }, async () => {
    const filler = Array.from({ length: 60 }, (_, i) => `routine check ${i + 1}`);
    filler[9] = "the deploy failed at step three";
    filler[49] = "deploy again tomorrow";
    await opsGroup(filler);
    const { conversation: direct } = await bob.clients.conversations.getOrCreateDirect({ username: "alice" });
    await bob.clients.live.sendMessage({ conversationId: direct!.id, clientMessageId: "d1", text: "did the deploy work?" });

    const { stdout } = await users.chat("alice", "search", "deploy");
    const lines = stdout.trim().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^@bob {2}#1 \d{4}-\d\d-\d\d \d\d:\d\d @bob: did the deploy work\?$/);
    expect(lines[1]).toMatch(/^ops {2}#51 .* @bob: deploy again tomorrow$/);
    expect(lines[2]).toMatch(/^ops {2}#11 .* @bob: the deploy failed at step three$/);
    expect(stdout).not.toContain("\x1b["); // piped: no colours

    const json = (await users.chat("alice", "search", "deploy", "--in", "ops", "--limit", "1", "--json")).stdout.trim().split("\n").map((l) => JSON.parse(l));
    expect(json).toEqual([expect.objectContaining({ conversation: "ops", seq: 51, sender: "bob", highlights: ["deploy"], snippet: "deploy again tomorrow", text: "deploy again tomorrow" })]);

    // A hit in its context: the messages on both sides of #11.
    const around = (await users.chat("alice", "history", "ops", "--around", "11", "--limit", "5")).stdout.trim().split("\n");
    expect(around.map((l) => l.replace(/^#(\d+) .*?: /, "$1 "))).toEqual(["9 routine check 8", "10 routine check 9", "11 the deploy failed at step three", "12 routine check 11", "13 routine check 12"]);

    await expect(users.chat("alice", "search", "deploy", "colour:red")).rejects.toMatchObject({ stderr: expect.stringMatching(/^chat: invalid_argument: .*colour/) });
    const none = await users.chat("alice", "search", "nothing-like-this");
    expect(none.stdout).toBe("");
    expect(none.stderr).toContain('no message matches "nothing-like-this"');
  });

  it("/search in the interactive client: pick a hit, Enter opens it in its conversation with its context, highlighted", { timeout: 90_000 }, async () => {
    const texts = Array.from({ length: 80 }, (_, i) => `status line ${i + 1}`);
    texts[14] = "the rollback plan is in the wiki";
    await opsGroup(texts);
    const alice = users.open("alice", { width: 100, height: 30 });
    await alice.waitFor("the client", (s) => /online\s*$/.test(s.split("\n")[0]!));
    alice.type("/search rollback");
    alice.press("Enter");
    const results = await alice.waitFor("the results", (s) => s.includes('search "rollback" · 1 found') && s.includes("the rollback plan is in the wiki"));
    expect(results).toContain("↑↓ pick · Enter opens it");
    // The matched word stands out (bold yellow by default).
    expect(colourOf(alice.captureStyled(), "rollback plan")).toBe(33);
    artifacts.save("results", alice);

    alice.press("Enter");
    const opened = await alice.waitFor("the hit in its conversation", (s) => s.includes("the rollback plan is in the wiki") && s.includes("status line 14") && s.includes("status line 16") && s.includes("# ops"));
    // The newest messages are not loaded: the hit's context is, the hit in the middle, highlighted (black on yellow).
    expect(opened).not.toContain("status line 80");
    const rows = opened.split("\n");
    const at = rows.findIndex((r) => r.includes("the rollback plan is in the wiki"));
    expect(Math.abs(at - rows.length / 2)).toBeLessThan(6);
    expect(colourOf(alice.captureStyled(), "the rollback plan is in the wiki")).toBe(30);
    artifacts.save("opened-at-hit", alice);

    // Reading on loads the newer pages below (the view stays on what was read), until the newest message.
    let screen = opened;
    for (let i = 0; i < 10 && !screen.includes("status line 80"); i++) {
      const before = screen;
      alice.press("PageDown");
      screen = await alice.waitFor("the view to move down", (s) => s !== before);
    }
    expect(screen).toContain("status line 80");
    expect(screen).not.toContain("newer messages (PgDn)");
    artifacts.save("read-to-newest", alice);
    alice.press("C-c");
  });
});
