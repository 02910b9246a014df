import { mkdtempSync, rmSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Store } from "../interface.ts";
import { createSqliteStore } from "./sqlite-store.ts";

/** Longest a write call may hold the event loop: it only queues the write. */
const queueMs = 100;

describe("embedded store: every write goes through the writer thread", () => {
  let dir: string;
  let store: Store;
  let blocker: DatabaseSync;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "sqlite-writer-"));
    store = createSqliteStore({ path: join(dir, "chat.sqlite") });
    blocker = new DatabaseSync(join(dir, "chat.sqlite"));
  });
  afterEach(async () => {
    if (blocker.isTransaction) blocker.exec("ROLLBACK");
    blocker.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  // A write made on the event loop waited there for the file's write lock (busy_timeout, 5 s) and
  // for its fsync: one receipt, member change or login stalled every stream of the node meanwhile.
  it("a receipt, a member change and an account write queue at once while the file is locked, and land once it is free", async () => {
    const at = new Date(1_000);
    await store.createUser({ id: "u1", username: "ann", displayName: "Ann", passwordHash: "h", createdAt: at });
    await store.createGroup({ id: "c1", kind: "group", name: "g", createdAt: at, lastSeq: 0 },
      [{ conversationId: "c1", userId: "u1", role: "owner", joinedAt: at }]);
    const { message } = await store.appendMessage({ conversationId: "c1", senderId: "u1", clientMessageId: "m1", text: "hi", sentAt: at });

    blocker.exec("BEGIN IMMEDIATE"); // another connection holds the write lock, as a slow commit would
    const started = performance.now();
    const writes = [
      store.advanceReadState({ conversationId: "c1", userId: "u2", deliveredSeq: message.seq, readSeq: message.seq }),
      store.putMembers([{ conversationId: "c1", userId: "u2", role: "member", joinedAt: at }]),
      store.createUser({ id: "u2", username: "bob", displayName: "Bob", passwordHash: "h", createdAt: at }),
    ];
    expect(performance.now() - started).toBeLessThan(queueMs);
    blocker.exec("COMMIT");

    const [receipt, , created] = await Promise.all(writes);
    expect(receipt).toEqual({ conversationId: "c1", userId: "u2", deliveredSeq: message.seq, readSeq: message.seq });
    expect(created).toBe(true);
    // Resolved means committed: the main thread's reads see every write.
    expect((await store.listMembers("c1")).map((m) => m.userId).sort()).toEqual(["u1", "u2"]);
    expect((await store.getUserByUsername("bob"))?.id).toBe("u2");
    expect((await store.listReadStates("c1")).find((s) => s.userId === "u2")?.readSeq).toBe(message.seq);
  });

  // Each turn's writes go to the writer thread without waiting for the answer to the turn before:
  // the order of the appends (their seqs) must be the order they were made in, across turns.
  it("appends of several turns, queued behind a locked file, land in the order they were made", async () => {
    const at = new Date(1_000);
    await store.createUser({ id: "u1", username: "ann", displayName: "Ann", passwordHash: "h", createdAt: at });
    await store.createGroup({ id: "c1", kind: "group", name: "g", createdAt: at, lastSeq: 0 },
      [{ conversationId: "c1", userId: "u1", role: "owner", joinedAt: at }]);
    blocker.exec("BEGIN IMMEDIATE");
    const appends: Promise<{ message: { seq: number; clientMessageId: string } }>[] = [];
    for (let turn = 0; turn < 4; turn++) {
      for (let i = 0; i < 3; i++) {
        appends.push(store.appendMessage({ conversationId: "c1", senderId: "u1", clientMessageId: `m${turn}-${i}`, text: "hi", sentAt: at }));
      }
      await new Promise((resolve) => setTimeout(resolve, 5)); // the next turn's batch is handed over while this one waits
    }
    blocker.exec("COMMIT");
    const stored = await Promise.all(appends);
    expect(stored.map((s) => s.message.seq)).toEqual(stored.map((_, i) => i + 1));
    expect(stored.map((s) => s.message.clientMessageId)).toEqual([0, 1, 2, 3].flatMap((t) => [0, 1, 2].map((i) => `m${t}-${i}`)));
  });

  it("a write that fails alone is refused alone; the others of its batch commit", async () => {
    const at = new Date(1_000);
    const user = { id: "u1", username: "ann", displayName: "Ann", passwordHash: "h", createdAt: at };
    const device = { deviceId: "d1", userId: "u1", deviceName: "phone", tokenHash: "t1", createdAt: at, lastUsedAt: at };
    await store.createUser(user);
    const [again, first, clash] = await Promise.allSettled([
      store.createUser(user), store.createDevice(device), store.createDevice({ ...device, tokenHash: "t2" }),
    ]);
    expect(again).toEqual({ status: "fulfilled", value: false });
    expect(first.status).toBe("fulfilled");
    expect(clash.status).toBe("rejected");
    expect((await store.listDevices("u1")).map((d) => d.tokenHash)).toEqual(["t1"]);
  });
});

describe("embedded store: commits are paced", () => {
  const intervalMs = 1_000;
  let dir: string;
  let store: Store;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "sqlite-pacing-"));
    store = createSqliteStore({ path: join(dir, "chat.sqlite"), commitIntervalMs: intervalMs });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  // Fewer, fuller commits under load (write-thread.ts); never a delay for a write after a quiet moment.
  it("a write within the interval after a commit waits for the interval; one after a quiet moment commits at once", async () => {
    const user = (id: string) => ({ id, username: id, displayName: id, passwordHash: "h", createdAt: new Date(1_000) });
    const started = performance.now();
    await store.createUser(user("ann")); // the first commit starts at once
    await store.createUser(user("bob")); // held until the interval since the first commit's start has passed
    // Timers may fire a millisecond early against another thread's clock; nothing makes them much earlier.
    expect(performance.now() - started).toBeGreaterThanOrEqual(intervalMs - 20);

    await new Promise((resolve) => setTimeout(resolve, intervalMs + 100)); // a quiet moment
    const alone = performance.now();
    await store.createUser(user("cat"));
    expect(performance.now() - alone).toBeLessThan(intervalMs / 2);
    expect((await store.getUserByUsername("cat"))?.id).toBe("cat");
  });
});
