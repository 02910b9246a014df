import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnNode } from "./cluster/node-process.ts";
import { clientsFor, newId, registerUser, type TestUser, transportFor } from "./harness.ts";

/*
 * Issue 9, item 2: a login flood is throttled while other users' p99 stays within 2x idle. A timed
 * spec (*.timed.spec.ts): it compares latencies, so it runs after the parallel suite, alone
 * (vitest.timed.config.ts); other files loading the same cores would decide it otherwise. As every
 * figure of this project, the comparison is the median of 3 rounds, each on a fresh node (the login
 * buckets of the first flood would otherwise refuse every later attempt before argon2). The node runs
 * as its own process, as in production: in this process its event loop would also carry the
 * attacker's client side (80 requests built and 80 refusals parsed at once), which a real attacker's
 * machine carries, and that alone stretched the p99 past 2x.
 */
const rounds = 3;

/** Latencies of `n` sequential sends by `user` in `conv`, in ms, sorted. */
async function sendTimes(user: TestUser, conv: string, n: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    await user.clients.live.sendMessage({ conversationId: conv, clientMessageId: newId(), text: "during" });
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b);
}
const at = (sorted: number[], q: number) => sorted[Math.floor(sorted.length * q)]!;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Round { idle: number[]; during: number[]; refused: number; unknown: number }

/** One round on a fresh node with the default login limits: idle sends, sends under a flood of 80 wrong logins, idle again. */
async function floodRound(): Promise<Round> {
  // bob's sends are the measurement, not what is limited here.
  const dataDir = mkdtempSync(join(tmpdir(), "chat-flood-"));
  const server = await spawnNode({ nodeId: "flood", args: ["--data-dir", dataDir, "--rate-limits", "sendPerUser=100000/100000"] });
  try {
    const [alice, bob] = await Promise.all([registerUser(server, "alice"), registerUser(server, "bob")]);
    const conv = (await alice.clients.conversations.getOrCreateDirect({ userId: bob.id })).conversation!.id;
    await sendTimes(bob, conv, 50); // warm-up
    // Idle is measured before and after the flood and pooled: the machine's own noise (other
    // processes, the disk's fsyncs) then weighs on both sides alike.
    const before = await sendTimes(bob, conv, 200);
    const attacker = clientsFor(transportFor(server.url, "grpc"));
    const flood = Promise.allSettled(Array.from({ length: 80 }, (_, i) =>
      attacker.auth.login({ username: `nobody${i}`, password: "wrong password", deviceName: "x" })));
    const during = await sendTimes(bob, conv, 300); // ~1 s, while the 10 admitted checks take ~3 s of one core
    const codes = (await flood).map((r) => (r.status === "rejected" ? ConnectError.from(r.reason).code : Code.Unknown));
    const after = await sendTimes(bob, conv, 200);
    return {
      idle: [...before, ...after].sort((a, b) => a - b), during,
      refused: codes.filter((c) => c === Code.ResourceExhausted).length, unknown: codes.filter((c) => c === Code.Unknown).length,
    };
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

describe("a login flood", () => {
  it("is throttled (most attempts refused before any argon2 check) while other users' sends keep their p50 and p99 within 2× idle (median of 3 rounds)", async () => {
    const results: Round[] = [];
    for (let i = 0; i < rounds; i++) results.push(await floodRound());
    const lines = results.map((r, i) => `round ${i + 1}: send p50/p99 idle ${at(r.idle, 0.5).toFixed(1)}/${at(r.idle, 0.99).toFixed(1)} ms, during the flood ${at(r.during, 0.5).toFixed(1)}/${at(r.during, 0.99).toFixed(1)} ms; ${r.refused}/80 refused`);
    const report = lines.join("\n");
    console.log(`login flood:\n${report}`);
    for (const r of results) {
      expect(r.refused, report).toBeGreaterThanOrEqual(60);
      expect(r.unknown, report).toBe(0);
    }
    // With 2 ms for timer granularity at the low end. The refusals are answered before the router
    // (auth/password-gate.ts), so the flood's burst costs the node little; the 10 admitted argon2
    // checks run on the pool at nice 10.
    const excess = (r: Round, q: number, factor: number) => at(r.during, q) - (factor * at(r.idle, q) + 2);
    expect(median(results.map((r) => excess(r, 0.99, 2))), report).toBeLessThanOrEqual(0);
    expect(median(results.map((r) => excess(r, 0.5, 2))), report).toBeLessThanOrEqual(0);
  }, 120_000);
});
