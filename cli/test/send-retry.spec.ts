import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CliUsers } from "./cli-users.ts";

// `chat send` against a server that rate-limits it: one send per user, then one every 5 s, so that
// three sends started together cannot all pass however slowly their processes start (within 5 s).
let users: CliUsers;

beforeAll(async () => {
  users = await CliUsers.start("cli-send-retry", ["--rate-limits", "sendPerUser=1/0.2"]);
  await users.chat("alice", "register", "alice");
  await users.chat("bob", "register", "bob");
}, 60_000);

afterAll(async () => {
  await users?.stop();
});

const sendAll = (tag: string, wait: number) =>
  Promise.allSettled([1, 2, 3].map((i) => users.chat("alice", "send", "@bob", `${tag} ${i}`, "--wait", String(wait))));

describe("chat send under a rate limit", () => {
  it("fails at once with --wait 0 and names the limit; within --wait it waits out the server's retry-after and sends each message once", async () => {
    const now = await sendAll("now", 0);
    const refused = now.filter((r) => r.status === "rejected");
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) expect(String((r.reason as { stderr?: string }).stderr)).toContain("too many messages");

    const later = await sendAll("later", 60);
    expect(later.map((r) => r.status)).toEqual(["fulfilled", "fulfilled", "fulfilled"]);
    const said = later.map((r) => (r.status === "fulfilled" ? r.value.stderr : "")).join("");
    expect(said).toContain("retrying for up to 60 s");

    const { stdout } = await users.chat("bob", "history", "@alice", "--limit", "20");
    for (const i of [1, 2, 3]) expect(stdout.split(`later ${i}`).length - 1).toBe(1);
  }, 120_000);
});
