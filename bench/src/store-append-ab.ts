#!/usr/bin/env node
// The writer's commit path of two checkouts, A/B in one process (docs/benchmarks.md, issue 12):
//
//   node bench/src/store-append-ab.ts A_CHECKOUT B_CHECKOUT [commits = 4000]
//
// Each checkout's own store code (sqlite-store, statements, writes) on a store of its own: 20,000
// messages over 500 two-member conversations on /dev/shm, UUID ids as the server makes them; then
// commits of 3 appends alternating A, B, B, A… on each one's connection, each commit timed (the
// thread's CPU, and wall time). Both arms share every moment of the machine, so the other tenants of
// a shared machine, which move a separate run's CPU by ±25 %, move both alike. Prints per append the
// mean CPU and the median and mean wall time of each.
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";

const [a, b, count] = process.argv.slice(2);
if (!a || !b) throw new Error("usage: store-append-ab.ts A_CHECKOUT B_CHECKOUT [commits]");
const arms: Record<string, string> = { A: a, B: b };
const perCommit = 3;
const commits = Number(count ?? 4000);
const words = ["hello", "world", "meeting", "tomorrow", "lunch", "cafe", "report", "deadline", "ok", "tokyo", "alpha", "beta"];
const uuid = () => crypto.randomUUID();
const setups: { name: string; dir: string; db: DatabaseSync; commit: () => void; cpu: number[]; wall: number[] }[] = [];
for (const name of Object.keys(arms)) {
  const root = arms[name]!;
  const { createSqliteStore } = await import(`${root}/server/src/engines/store/sqlite/sqlite-store.ts`);
  const st = await import(`${root}/server/src/engines/store/sqlite/statements.ts`);
  const { commitWrites } = await import(`${root}/server/src/engines/store/sqlite/writes.ts`);
  const dir = mkdtempSync("/dev/shm/s9wr-ab-");
  const path = join(dir, "chat.sqlite");
  const conversations = Array.from({ length: 500 }, uuid);
  const users = [uuid(), uuid()];
  let n = 0;
  const message = () => {
    const i = n++;
    return { conversationId: conversations[Math.floor(Math.random() * 500)], senderId: users[i % 2], clientMessageId: uuid(),
      text: Array.from({ length: 9 }, (_, j) => words[(i * 7 + j * 3) % words.length]).join(" "), sentAt: new Date() };
  };
  const store = createSqliteStore({ path });
  const at = new Date();
  for (const id of conversations) await store.createGroup({ id, kind: "group", name: "g", createdAt: at, lastSeq: 0 }, users.map((userId) => ({ conversationId: id, userId, role: "member", joinedAt: at })));
  await Promise.all(Array.from({ length: 20_000 }, () => store.appendMessage(message())));
  await store.close();
  const db = new DatabaseSync(path);
  st.configureConnection(db);
  const q = st.prepareAll(db), tx = st.prepareTransactionControl(db);
  setups.push({ name, dir, db, commit: () => commitWrites(q, tx, Array.from({ length: perCommit }, () => ({ kind: "appendMessage", args: [message()] }))), cpu: [] as number[], wall: [] as number[] });
}
const cpuNow = () => { const u = process.threadCpuUsage(); return u.user + u.system; };
for (let c = 0; c < commits; c++) {
  for (const s of c % 2 ? [...setups].reverse() : setups) {
    const [c0, w0] = [cpuNow(), performance.now()];
    s.commit();
    s.cpu.push(cpuNow() - c0); s.wall.push((performance.now() - w0) * 1000);
  }
}
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
for (const s of setups) {
  // The thread's CPU clock ticks too coarsely for a median of one commit: its mean only.
  console.log(`${s.name} ${arms[s.name]}: per append, CPU mean ${(mean(s.cpu) / perCommit).toFixed(1)} µs; wall median ${(median(s.wall) / perCommit).toFixed(1)} µs, mean ${(mean(s.wall) / perCommit).toFixed(1)}`);
  s.db.close(); rmSync(s.dir, { recursive: true, force: true });
}
