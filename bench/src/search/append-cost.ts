#!/usr/bin/env node
// What an append costs through the real embedded store (writer thread, WAL on /dev/shm so that no
// disk's fsync hides the CPU), for the send-path line of docs/benchmarks.md (issue 15):
//
//   node bench/src/search/append-cost.ts [appends=30000] [mixed|ascii]
//
// 256 appends in flight over 100 groups, plain texts of 10 words: "mixed" (the default) has an accented,
// an emoji and a CJK word in every text, "ascii" has only ASCII words (most chat text, and the direct
// bench's). Prints appends/s and the CPU of the process (both threads) per append. Run it in two
// checkouts, alternating, to compare them.
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { createSqliteStore } from "../../../server/src/engines/store/sqlite/sqlite-store.ts";

const n = Number(process.argv[2] ?? 30_000);
const ascii = process.argv[3] === "ascii";
const dir = mkdtempSync("/dev/shm/append-cost-");
const store = createSqliteStore({ path: join(dir, "chat.sqlite") });
try {
  const at = new Date();
  const groups = Array.from({ length: 100 }, () => crypto.randomUUID());
  for (const id of groups) {
    await store.createGroup({ id, kind: "group", name: "g", createdAt: at, lastSeq: 0 }, [{ conversationId: id, userId: "u1", role: "member", joinedAt: at }]);
  }
  const words = ["hello", "world", "meeting", "tomorrow", "lunch", ascii ? "cafe" : "café", "report", "deadline", ascii ? "ok" : "👍", ascii ? "Tokyo" : "東京"];
  const text = (i: number) => Array.from({ length: 10 }, (_, j) => words[(i * 7 + j * 3) % words.length]).join(" ");
  const [cpu, started] = [process.cpuUsage(), performance.now()];
  let next = 0;
  const sender = async () => {
    while (next < n) {
      const i = next++;
      await store.appendMessage({ conversationId: groups[i % groups.length]!, senderId: "u1", clientMessageId: String(i), text: text(i), sentAt: new Date() });
    }
  };
  await Promise.all(Array.from({ length: 256 }, sender));
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  console.log(`${(n / seconds).toFixed(0)} appends/s, ${((used.user + used.system) / n).toFixed(1)} µs CPU per append (both threads)`);
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
