import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { DatabaseSync } from "node:sqlite";
import { afterAll, describe, expect, it } from "vitest";
import { backupSqlite } from "../../src/engines/store/sqlite/backup.ts";
import { Direction } from "@chat/gen/chat/v1/message_pb.js";
import { type TestUser, clientsFor, newId, registerUser, startNode, transportFor } from "../harness.ts";
import { repoRoot } from "../upgrade/previous-release.ts";

const run = promisify(execFile);
const main = join(repoRoot, "server", "src", "main.ts");

/** Runs `chat-server <args>` as its own process, as an operator would; never rejects. */
async function chatServer(...args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stderr, stdout } = await run(process.execPath, [main, ...args], { timeout: 60_000 });
    return { code: 0, output: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : -1, output: `${e.stdout ?? ""}${e.stderr ?? ""}` };
  }
}

interface Acked { conversationId: string; seq: number; clientMessageId: string }

/** Every page of a conversation's history, oldest first. */
async function history(user: TestUser, conversationId: string) {
  const all = [];
  for (let anchor = 0n; ;) {
    const page = await user.clients.history.listMessages({ conversationId, anchorSeq: anchor, direction: Direction.FORWARD, limit: 500 });
    all.push(...page.messages);
    if (!page.hasMore) return all;
    anchor = page.messages.at(-1)!.seq;
  }
}

/** Checks in a backup file itself that every message of `acked` is there and every conversation's seqs are contiguous. */
function expectAllIn(file: string, acked: Acked[]): void {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    const lookup = db.prepare("SELECT client_message_id AS id FROM messages WHERE conversation_id = ? AND seq = ?");
    for (const m of acked) expect((lookup.get(m.conversationId, m.seq) as { id: string } | undefined)?.id, `seq ${m.seq} in the backup`).toBe(m.clientMessageId);
    const gaps = db.prepare("SELECT conversation_id, count(*) AS n, max(seq) AS last FROM messages GROUP BY conversation_id HAVING n != last").all();
    expect(gaps, "conversations whose seqs have a gap").toEqual([]);
  } finally {
    db.close();
  }
}

describe("chat-server backup and restore", () => {
  const dirs = mkdtempSync(join(tmpdir(), "chat-backup-"));
  let server: Awaited<ReturnType<typeof startNode>> | undefined;
  afterAll(async () => server?.close());

  it("takes a consistent copy while clients send, and a restored node has every message ACKed before it", async () => {
    server = await startNode({ args: ["--rate-limits", "off"] });
    const users = await Promise.all([0, 1, 2, 3].map(() => registerUser(server!, "backup")));
    const [a, b, c, d] = users as [TestUser, TestUser, TestUser, TestUser];
    const conversations = [
      (await a.clients.conversations.getOrCreateDirect({ userId: b.id })).conversation!.id,
      (await c.clients.conversations.getOrCreateDirect({ userId: d.id })).conversation!.id,
      (await a.clients.conversations.createGroup({ name: "all", memberIds: [b.id, c.id, d.id] })).conversation!.id,
    ];
    // Six senders, each sending one message after another as fast as the node ACKs, until told to stop.
    const acked: Acked[] = [];
    let stop = false;
    const senders = [[a, 0], [b, 0], [c, 1], [d, 1], [a, 2], [d, 2]] as const;
    const load = Promise.all(senders.map(async ([user, i]) => {
      while (!stop) {
        const clientMessageId = newId();
        const ack = await user.clients.live.sendMessage({ conversationId: conversations[i]!, clientMessageId, text: `load ${acked.length}` });
        acked.push({ conversationId: conversations[i]!, seq: Number(ack.seq), clientMessageId });
      }
    }));
    const waitForAcks = async (n: number) => {
      const deadline = Date.now() + 20_000;
      while (acked.length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(acked.length, "ACKs under load").toBeGreaterThanOrEqual(n);
    };
    try {
      await waitForAcks(150);
      const before = acked.slice(); // ACKed before the backup started
      const backupFile = join(dirs, "chat-backup.sqlite");
      const backup = await chatServer("backup", backupFile, "--data-dir", server.dataDir);
      const during = acked.length - before.length;
      expect(backup.code, backup.output).toBe(0);
      expect(backup.output).toMatch(/backed up .* schema version \d+, 4 users, 3 conversations, \d+ messages/);
      expect(statSync(backupFile).mode & 0o777, "owner-only, like the store").toBe(0o600);
      await waitForAcks(acked.length + 30); // the node kept serving after the backup

      // The same copy taken in this process, where "ACKed before" is exact: the call blocks the
      // event loop, so nothing is ACKed between this snapshot and the start of the copy. (From the
      // command, the messages ACKed while its process started blur that line.)
      const exactlyBefore = acked.slice();
      const exactFile = join(dirs, "in-process.sqlite");
      backupSqlite(join(server.dataDir, "chat.sqlite"), exactFile);
      expectAllIn(exactFile, exactlyBefore);
      await waitForAcks(acked.length + 30);
      expect(during, "messages ACKed while the backup ran (it was taken mid-flight)").toBeGreaterThan(0);

      // A running node's data dir is never overwritten.
      const refused = await chatServer("restore", backupFile, "--data-dir", server.dataDir);
      expect(refused.code, refused.output).toBe(1);
      expect(refused.output).toMatch(/open in another process \(a running server\?\)/);
      stop = true;
      await load;
      await server.close();
      server = undefined;

      const restoredDir = join(dirs, "restored");
      const restore = await chatServer("restore", backupFile, "--data-dir", restoredDir);
      expect(restore.code, restore.output).toBe(0);
      expect(statSync(join(restoredDir, "chat.sqlite")).mode & 0o777).toBe(0o600);
      server = await startNode({ dataDir: restoredDir });
      const onRestored = (u: TestUser): TestUser => ({ ...u, clients: clientsFor(transportFor(server!.url, "grpc", u.token)) });
      for (const [i, conversationId] of conversations.entries()) {
        const member = onRestored(i === 1 ? c : a); // tokens are in the store: the same device goes on
        const messages = await history(member, conversationId);
        const seqs = messages.map((m) => Number(m.seq));
        expect(seqs, "seqs contiguous from 1").toEqual(seqs.map((_, k) => k + 1));
        const bySeq = new Map(messages.map((m) => [Number(m.seq), m.clientMessageId]));
        for (const m of before.filter((x) => x.conversationId === conversationId)) {
          expect(bySeq.get(m.seq), `message ${m.seq} of conversation ${i}, ACKed before the backup`).toBe(m.clientMessageId);
        }
        // The conversation's counter came back with its messages: the next send takes the next seq.
        const next = await member.clients.live.sendMessage({ conversationId, clientMessageId: newId(), text: "after restore" });
        expect(Number(next.seq)).toBe(seqs.length + 1);
      }
    } finally {
      stop = true;
      await load.catch(() => undefined); // the failure that matters is the assertion's, already thrown
    }
  }, 90_000);

  it("refuses precisely: a missing store, an existing target, a file that is no chat store, a cluster config", async () => {
    const empty = join(dirs, "empty");
    const missing = await chatServer("backup", join(dirs, "x.sqlite"), "--data-dir", empty);
    expect([missing.code, missing.output]).toEqual([1, expect.stringMatching(/no store at .*chat\.sqlite/)]);
    const notAStore = join(dirs, "not-a-store.sqlite");
    writeFileSync(notAStore, "hello, not a database".repeat(100));
    const garbage = await chatServer("restore", notAStore, "--data-dir", empty);
    expect([garbage.code, garbage.output]).toEqual([1, expect.stringMatching(/not an intact SQLite database|cannot be opened/)]);
    expect(existsSync(join(empty, "chat.sqlite"))).toBe(false);
    const usage = await chatServer("backup");
    expect([usage.code, usage.output]).toEqual([2, expect.stringMatching(/^usage: chat-server backup <file>/)]);
    const cluster = await chatServer("backup", join(dirs, "y.sqlite"), "--scylla-contact-points", "127.0.0.1:9042");
    expect([cluster.code, cluster.output]).toEqual([2, expect.stringMatching(/nodetool snapshot/)]);
    expect(readFileSync(notAStore, "utf8")).toMatch(/^hello/); // never touched
  });
});
