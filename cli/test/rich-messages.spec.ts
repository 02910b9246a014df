import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CliUsers } from "./cli-users.ts";
import { repoRoot } from "./server-process.ts";
import { ScreenArchive } from "./tmux.ts";

/**
 * Rich messages and statuses through the terminal client, end to end against a real server:
 * replies, edits, deletes and reactions from the scriptable commands and from the interactive
 * client (in tmux), files up and down, statuses next to presence and away after idle minutes, and
 * the exit codes of bad input. Screens are saved under test-artifacts/cli-rich/.
 */

const artifacts = new ScreenArchive(join(repoRoot, "test-artifacts", "cli-rich"));
let users: CliUsers;
const chat = (user: string, ...args: string[]) => users.chat(user, ...args);
/** A command that must fail: its exit code and stderr. */
const refused = (user: string, ...args: string[]) => chat(user, ...args).then(
  (ok) => ({ code: 0, stderr: ok.stderr }),
  (err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }),
);
const history = async (user: string, conversation: string) => (await chat(user, "history", conversation)).stdout.replace(/ \d{4}-\d\d-\d\d \d\d:\d\d/g, "");
const historyJson = async (user: string, conversation: string) => (await chat(user, "history", conversation, "--json")).stdout.trim().split("\n").map((l) => JSON.parse(l));

beforeAll(async () => {
  users = await CliUsers.start("cli-rich");
  for (const name of ["alice", "bob", "carol"]) await chat(name, "register", name);
});

afterAll(async () => {
  await users?.stop();
});

describe("rich messages in the terminal client", () => {
  it("replies, edits, reacts and deletes from the scriptable commands; history shows each message as it is now", { timeout: 60_000 }, async () => {
    await chat("alice", "send", "@bob", "lunch at noon?");
    await chat("bob", "send", "@alice", "--reply-to", "1", "sure, where?");
    await chat("alice", "edit", "@bob", "1", "lunch at 12:30?");
    await chat("bob", "react", "@alice", "1", "👍");
    await chat("alice", "react", "@bob", "1", "🎉");
    await chat("alice", "react", "@bob", "1", "🎉", "--remove");
    await chat("alice", "send", "@bob", "oops, wrong chat");
    const deleted = JSON.parse((await chat("alice", "delete", "@bob", "#7", "--json")).stdout);
    expect(deleted).toMatchObject({ seq: 7, sender: "alice", text: "", deleted: true });
    expect(await history("bob", "@alice")).toBe([
      "#1 @alice: lunch at 12:30? (edited)",
      "    👍 1",
      "#2 @bob: [↪ @alice: lunch at 12:30?] sure, where?",
      "#7 @alice: message deleted",
      "",
    ].join("\n"));
    const [first, reply, tombstone] = await historyJson("bob", "@alice");
    expect(first).toMatchObject({ seq: 1, text: "lunch at 12:30?", reactions: [{ emoji: "👍", count: 1, users: ["bob"] }] });
    expect(new Date(first.editedAt).toISOString()).toBe(first.editedAt);
    expect(reply).toMatchObject({ seq: 2, replyTo: { seq: 1, sender: "alice", text: "lunch at 12:30?" } });
    expect(tombstone).toMatchObject({ seq: 7, deleted: true, text: "" });

    // Nobody edits or deletes someone else's message; bad input is named, with the exit code 1.
    expect(await refused("bob", "edit", "@alice", "1", "hijacked")).toMatchObject({ code: 1, stderr: expect.stringMatching(/^chat: permission_denied: /) });
    expect(await refused("bob", "delete", "@alice", "1")).toMatchObject({ code: 1, stderr: expect.stringMatching(/^chat: permission_denied: /) });
    expect(await refused("alice", "edit", "@bob", "abc", "x")).toMatchObject({ code: 1, stderr: expect.stringContaining('invalid_argument: "abc" is not a message number') });
    expect(await refused("alice", "send", "@bob", "--reply-to", "99", "hi")).toMatchObject({ code: 1, stderr: expect.stringMatching(/^chat: not_found: /) });
    expect(await refused("alice", "react", "@bob", "1", "")).toMatchObject({ code: 1, stderr: expect.stringContaining("invalid_argument: an emoji is one emoji") });
    expect(await refused("alice", "status", "dnd")).toMatchObject({ code: 1, stderr: 'chat: invalid_argument: unknown status "dnd": online, away, busy or invisible\n' });
  });

  it("sends a file in chunks, and downloads it with the token, going on from a partial download", { timeout: 60_000 }, async () => {
    const dir = join(users.dir, "files");
    await mkdir(join(dir, "out"), { recursive: true });
    const bytes = randomBytes(3 * 1024 * 1024 + 17);
    await writeFile(join(dir, "plan.bin"), bytes);
    const sent = JSON.parse((await chat("alice", "send", "@carol", "--file", join(dir, "plan.bin"), "the plan", "--json")).stdout);
    expect((await history("carol", "@alice")).split("\n")).toEqual([`#${sent.seq} @alice: the plan`, "    📎 plan.bin · 3.0 MB · application/octet-stream", ""]);

    // A part with the right length but wrong bytes: going on from it (a Range request) cannot match the SHA-256.
    const out = join(dir, "out", "plan.bin");
    await writeFile(`${out}.part`, Buffer.alloc(1024 * 1024));
    expect(await refused("carol", "download", "@alice", String(sent.seq), "--out", out)).toMatchObject({ code: 1, stderr: expect.stringMatching(/^chat: data_loss: /) });
    // The true first megabyte: the rest comes with a Range request, and the file is whole.
    await writeFile(`${out}.part`, bytes.subarray(0, 1024 * 1024));
    expect((await chat("carol", "download", "@alice", String(sent.seq), "--out", out)).stdout).toBe(`saved ${out} (3.0 MB, application/octet-stream)\n`);
    expect((await readFile(out)).equals(bytes)).toBe(true);
    expect(await refused("carol", "download", "@alice", String(sent.seq), "--out", out)).toMatchObject({ code: 1, stderr: expect.stringMatching(/^chat: already_exists: /) });
    // Bob is not in that conversation: for him, there is nothing to fetch.
    expect(await refused("bob", "download", sent.conversationId, String(sent.seq))).toMatchObject({ code: 1, stderr: expect.stringMatching(/^chat: not_found: /) });
    expect(await refused("alice", "send", "@carol", "--file", join(dir, "missing.bin"))).toMatchObject({ code: 1, stderr: expect.stringContaining("no such file") });
  });

  it("shows rich messages in the interactive client and runs /react, /reply, /edit and /delete on the picked message", { timeout: 90_000 }, async () => {
    await chat("bob", "send", "@carol", "are you there?");
    const carol = users.open("carol", { width: 100, height: 24 });
    await carol.waitFor("carol online", (s) => /online\s*$/.test(s.split("\n")[0]!));
    carol.type("/new @bob");
    carol.press("Enter");
    await carol.waitFor("the conversation with bob", (s) => s.includes("@bob · ") && s.includes("@bob: are you there?"));
    // Alt-↑ picks Bob's message (opening the open conversation again keeps the pick); /react and /reply act on it.
    carol.press("M-Up");
    await carol.waitFor("the picked message", (s) => s.includes("#1: /reply text · /react 👍 · Esc"));
    carol.type("/react 👍");
    carol.press("Enter");
    await carol.waitFor("the reaction", (s) => s.includes("👍 1*") && s.includes("reacted 👍 to #1"));
    carol.type("/reply #1 yes, here");
    carol.press("Enter");
    await carol.waitFor("the reply with its quote", (s) => s.includes("↪ @bob: are you there?") && s.includes("@carol: yes, here"));
    carol.type("/edit");
    carol.press("Enter");
    await carol.waitFor("the message loaded for editing", (s) => s.includes("> /edit #3 yes, here"));
    carol.type(" and listening");
    carol.press("Enter");
    await carol.waitFor("the edit", (s) => s.includes("yes, here and listening (edited)"));
    artifacts.save("edited", carol);
    expect(await history("bob", "@carol")).toContain("#3 @carol: [↪ @bob: are you there?] yes, here and listening (edited)");
    // Bob deletes his message: Carol sees the tombstone, and the quote in her reply follows.
    await chat("bob", "delete", "@carol", "1");
    await carol.waitFor("the tombstone, quoted too", (s) => s.includes("@bob: message deleted") && s.includes("↪ @bob: message deleted"));
    carol.type("/delete");
    carol.press("Enter");
    await carol.waitFor("her reply deleted", (s) => s.includes("@carol: message deleted") && s.includes("deleted #3 for everyone"));
    artifacts.save("deleted", carol);
    // /file uploads and sends; Bob saves it with `chat download`.
    await writeFile(join(users.dir, "notes.txt"), "see you at 12:30\n");
    carol.type(`/file ${join(users.dir, "notes.txt")} my notes`);
    carol.press("Enter");
    const shown = await carol.waitFor("the file sent", (s) => s.includes("my notes") && /📎 notes\.txt · 17 B · text\/plain/.test(s));
    const seq = /#(\d+) .*@carol: my notes/.exec(await history("bob", "@carol"))?.[1];
    expect(seq, shown).toBeDefined();
    await chat("bob", "download", "@carol", seq!, "--out", join(users.dir, "notes-copy.txt"));
    expect(await readFile(join(users.dir, "notes-copy.txt"), "utf8")).toBe("see you at 12:30\n");
    carol.press("C-c");
    await carol.waitFor("carol's client to exit", (s) => s === "(the session has ended)");
  });

  it("shows statuses next to presence, and makes an idle client away until the next key", { timeout: 90_000 }, async () => {
    await writeFile(join(users.dir, "alice", "tui.json"), JSON.stringify({ awayAfterMinutes: 0.1 }));
    await chat("alice", "status", "busy", "--text", "in a meeting", "--for", "1h");
    const alice = users.open("alice", { width: 100, height: 20 });
    const bob = users.open("bob", { width: 100, height: 20 });
    await bob.waitFor("bob online", (s) => /online\s*$/.test(s.split("\n")[0]!));
    bob.type("/new @alice");
    bob.press("Enter");
    await bob.waitFor("alice busy with her text", (s) => s.includes("@alice · ⊖ online · busy · in a meeting"));
    artifacts.save("busy", bob);
    // Alice chose busy: idleness does not make her away. Once she is online again, it does.
    alice.type("/status online");
    alice.press("Enter");
    await bob.waitFor("alice online", (s) => s.includes("@alice · ● online · in a meeting"));
    await bob.waitFor("alice away after 6 s idle", (s) => s.includes("@alice · ◐ online · away · in a meeting"), 20_000);
    artifacts.save("away", alice, bob);
    alice.type("x");
    await bob.waitFor("alice back at her first key", (s) => s.includes("@alice · ● online · in a meeting"));
    expect((await chat("bob", "ls")).stdout).toMatch(/@alice ● in a meeting {2}\[direct\]/);
    expect(JSON.parse((await chat("bob", "users", "alice", "--json")).stdout)).toMatchObject({ username: "alice", online: true, availability: "online", statusText: "in a meeting" });
    alice.press("C-u");
    alice.type("/status clear");
    alice.press("Enter");
    await bob.waitFor("the text cleared", (s) => /@alice · ● online\s*$/m.test(s));
    for (const t of [alice, bob]) t.press("C-c");
    await alice.waitFor("alice's client to exit", (s) => s === "(the session has ended)");
  });
});
