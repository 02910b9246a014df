import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CliUsers } from "./cli-users.ts";
import { repoRoot, type ServerProcess } from "./server-process.ts";
import { ScreenArchive, type Terminal } from "./tmux.ts";

/**
 * The terminal client end to end, as a person uses it: a real server process, two people (alice and
 * bob, each with their own config dir) in two real terminals (tmux), keys in, screens out. Then the
 * server is killed and started again, and both clients must recover by themselves with nothing lost.
 * Every screen along the way is saved under test-artifacts/cli/.
 */

const artifacts = new ScreenArchive(join(repoRoot, "test-artifacts", "cli"));

let server: ServerProcess;
let users: CliUsers;
const chat = (user: string, ...args: string[]) => users.chat(user, ...args);
const openClient = (user: string): Terminal => users.open(user);

const count = (screen: string, text: string) => screen.split(text).length - 1;

beforeAll(async () => {
  users = await CliUsers.start("cli-e2e");
  ({ server } = users);
});

afterAll(async () => {
  await users?.stop();
});

describe("chat, the terminal client, end to end", () => {
  it("delivers, shows typing and read marks, and recovers from a server restart with nothing lost", { timeout: 120_000 }, async () => {
    expect((await chat("alice", "register", "alice")).stdout).toContain("logged in as @alice");
    expect((await chat("bob", "register", "bob")).stdout).toContain("logged in as @bob");

    const alice = openClient("alice");
    const bob = openClient("bob");
    await alice.waitFor("alice online", (s) => s.includes("chat · @alice") && s.includes("online"));
    await bob.waitFor("bob online", (s) => s.includes("chat · @bob") && s.includes("online"));
    artifacts.save("started", alice, bob);

    // Alice opens the conversation with a slash command and writes; Bob's client shows it.
    alice.type("/new @bob");
    alice.press("Enter");
    await alice.waitFor("the conversation with bob", (s) => s.includes("@bob · ● online"));
    alice.type("hello bob, it is alice");
    alice.press("Enter");
    await bob.waitFor("alice's message", (s) => s.includes("@alice: hello bob, it is alice"));
    // Bob has it open at the bottom, so he has read it, and Alice sees that.
    await alice.waitFor("the read mark", (s) => s.includes("@alice: hello bob, it is alice ✓✓ read"));
    artifacts.save("read", alice, bob);

    // Bob types: Alice sees the indicator before the message.
    bob.type("hi alice");
    await alice.waitFor("bob typing", (s) => s.includes("bob is typing…"));
    artifacts.save("typing", alice, bob);
    bob.press("Enter");
    await alice.waitFor("bob's answer", (s) => s.includes("@bob: hi alice") && !s.includes("bob is typing…"));

    // The server dies without warning. Both clients notice and keep trying.
    await server.kill();
    await alice.waitFor("alice reconnecting", (s) => s.includes("reconnecting…"));
    await bob.waitFor("bob reconnecting", (s) => s.includes("reconnecting…"));
    alice.type("sent while the server was down");
    alice.press("Enter");
    await alice.waitFor("the queued message", (s) => s.includes("sent while the server was down (queued)"));
    artifacts.save("server-down", alice, bob);

    // Same port, same data dir: both come back by themselves, and the queued message gets through once.
    await server.start();
    // Backoff has grown while the server was down (capped at 10 s, with jitter): allow for it.
    const onlineAgain = (s: string) => /online\s*$/.test(s.split("\n")[0]!);
    await alice.waitFor("alice online again", onlineAgain, 30_000);
    await bob.waitFor("bob online again", onlineAgain, 30_000);
    const bobs = await bob.waitFor("the message sent while down", (s) => s.includes("@alice: sent while the server was down"));
    await alice.waitFor("its read mark", (s) => s.includes("sent while the server was down ✓✓ read"));
    artifacts.save("recovered", alice, bob);
    for (const line of ["@alice: hello bob, it is alice", "@bob: hi alice", "@alice: sent while the server was down"]) {
      expect(count(bobs, line), `"${line}" on bob's screen`).toBe(1);
      expect(count(alice.capture(), line), `"${line}" on alice's screen`).toBe(1);
    }
    // The scriptable client agrees with the screens: three messages, each once, in order.
    const { stdout } = await chat("bob", "history", "@alice", "--json");
    expect(stdout.trim().split("\n").map((l) => JSON.parse(l).text)).toEqual(["hello bob, it is alice", "hi alice", "sent while the server was down"]);

    expect(alice.capture()).toContain("@bob · ● online");

    // Ctrl-C quits cleanly: the client closes its stream, so Alice sees Bob go offline at once,
    // and the program exits (its terminal closes).
    bob.press("C-c");
    await bob.waitFor("bob's client to exit", (s) => s === "(the session has ended)");
    await alice.waitFor("bob offline", (s) => s.includes("@bob · ○ offline"), 5_000);
    artifacts.save("bob-quit", alice);
    alice.press("C-c");
    await alice.waitFor("alice's client to exit", (s) => s === "(the session has ended)");
  });
});
