#!/usr/bin/env node
// What one commit of the embedded store writes, and where its time goes (docs/benchmarks.md, issue 12):
//
//   node bench/src/store-commit-pages.ts [appends per commit = 3] [commits = 2000]
//
// Builds a store of 20,000 messages over 500 two-member conversations on /dev/shm (so that no disk's
// fsync hides the CPU), then commits `commits` batches of direct-bench-like appends (random
// conversations, 9-word ASCII texts) on a connection of its own with the writer thread's code
// (commitWrites), the WAL's automatic checkpoint off so that every frame stays in it. Prints the WAL
// pages per commit by table or index (the WAL's page numbers through `dbstat`), the CPU per commit
// and per append, and the time spent in each prepared statement (COMMIT included) per append.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync, type StatementSync } from "node:sqlite";
import { createSqliteStore } from "../../server/src/engines/store/sqlite/sqlite-store.ts";
import { configureConnection, prepareAll, prepareTransactionControl } from "../../server/src/engines/store/sqlite/statements.ts";
import { commitWrites, type Write } from "../../server/src/engines/store/sqlite/writes.ts";

const perCommit = Number(process.argv[2] ?? 3);
const commits = Number(process.argv[3] ?? 2000);
const dir = mkdtempSync("/dev/shm/store-commit-pages-");
const path = join(dir, "chat.sqlite");
try {
  const conversations = Array.from({ length: 500 }, () => crypto.randomUUID());
  const words = ["hello", "world", "meeting", "tomorrow", "lunch", "cafe", "report", "deadline", "ok", "tokyo", "alpha", "beta"];
  let n = 0;
  const message = () => {
    const i = n++;
    return {
      conversationId: conversations[Math.floor(Math.random() * conversations.length)]!, senderId: Math.random() < 0.5 ? "u1" : "u2",
      clientMessageId: `c${i}`, text: Array.from({ length: 9 }, (_, j) => words[(i * 7 + j * 3) % words.length]).join(" "), sentAt: new Date(),
    };
  };
  await fill(conversations, message);

  const db = new DatabaseSync(path);
  configureConnection(db);
  db.exec("PRAGMA wal_autocheckpoint = 0; PRAGMA wal_checkpoint(TRUNCATE);");
  const q = prepareAll(db);
  const tx = prepareTransactionControl(db);
  const spent = timeStatements({ ...q, ...tx });
  const cpu = process.cpuUsage();
  for (let c = 0; c < commits; c++) {
    commitWrites(q, tx, Array.from({ length: perCommit }, (): Write => ({ kind: "appendMessage", args: [message()] })));
  }
  const used = process.cpuUsage(cpu);
  const perCommitUs = (used.user + used.system) / commits;
  const pages = walPagesByName(db, path);
  const frames = [...pages.values()].reduce((a, b) => a + b, 0);
  console.log(`${perCommit} appends per commit, ${commits} commits: ${(frames / commits).toFixed(1)} WAL pages per commit, ` +
    `${perCommitUs.toFixed(0)} µs CPU per commit (${(perCommitUs / perCommit).toFixed(0)} per append)`);
  console.log("WAL pages per commit:");
  for (const [name, count] of [...pages].sort((a, b) => b[1] - a[1])) console.log(`  ${(count / commits).toFixed(2).padStart(6)}  ${name}`);
  console.log("µs per append in each statement:");
  for (const [name, ms] of [...spent].sort((a, b) => b[1] - a[1])) console.log(`  ${((ms * 1000) / commits / perCommit).toFixed(1).padStart(6)}  ${name}`);
  db.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}

/** Creates the conversations (two members each) and 20,000 messages through the real store. */
async function fill(conversations: string[], message: () => Parameters<ReturnType<typeof createSqliteStore>["appendMessage"]>[0]): Promise<void> {
  const store = createSqliteStore({ path });
  const at = new Date();
  for (const id of conversations) {
    await store.createGroup({ id, kind: "group", name: "g", createdAt: at, lastSeq: 0 },
      ["u1", "u2"].map((userId) => ({ conversationId: id, userId, role: "member" as const, joinedAt: at })));
  }
  await Promise.all(Array.from({ length: 20_000 }, () => store.appendMessage(message())));
  await store.close();
}

/** Wraps every statement's run/get/all to add up the time spent in it, by the statement's name. */
function timeStatements(statements: Record<string, unknown>): Map<string, number> {
  const spent = new Map<string, number>();
  for (const [name, statement] of Object.entries(statements)) {
    if (!statement || typeof statement !== "object" || !("run" in statement)) continue;
    const s = statement as StatementSync & Record<string, (...args: unknown[]) => unknown>;
    for (const method of ["run", "get", "all"]) {
      const original = s[method]!.bind(s);
      s[method] = (...args: unknown[]) => {
        const started = performance.now();
        try {
          return original(...args);
        } finally {
          spent.set(name, (spent.get(name) ?? 0) + performance.now() - started);
        }
      };
    }
  }
  return spent;
}

/** WAL frames by the table or index their page belongs to now. */
function walPagesByName(db: DatabaseSync, file: string): Map<string, number> {
  const names = new Map<number, string>();
  for (const r of db.prepare("SELECT name, pageno FROM dbstat").iterate()) names.set(Number(r.pageno), String(r.name));
  const wal = readFileSync(`${file}-wal`);
  const pageSize = wal.readUInt32BE(8);
  const byName = new Map<string, number>();
  for (let at = 32; at + 24 + pageSize <= wal.length; at += 24 + pageSize) {
    const name = names.get(wal.readUInt32BE(at)) ?? "(free list)";
    byName.set(name, (byName.get(name) ?? 0) + 1);
  }
  return byName;
}
