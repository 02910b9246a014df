import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { Client, types } from "cassandra-driver";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type NewMessage, type Store, StoreUnavailable } from "../interface.ts";
import { createMemoryAppendRoute } from "./append-route.ts";
import { createScyllaStore } from "./scylla-store.ts";
import { Cql, cqlRequests, type Params } from "./cql.ts";
import { type LeaseTimings, SequencerLeases } from "./sequencer-leases.ts";

/** Short leases, so that a lapse takes a second or two. */
const timings: LeaseTimings = { leaseMs: 1_500, renewMs: 400, marginMs: 300 };

// What the contract suite cannot reach from the interface: sequencers on several nodes, a paused
// owner, a stale owner's late write, and a node that starts with nothing in memory.
describe("Scylla message log: one sequencer per conversation, by lease", () => {
  const keyspace = `log_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const cluster = { contactPoints: [inject("cassandraContactPoint")], localDataCenter: inject("cassandraDataCenter") };
  const route = createMemoryAppendRoute();
  const open = (nodeId: string) => createScyllaStore({ ...cluster, keyspace, bucketSize: 10, nodeId, route, leaseTimings: timings });
  const stores: Store[] = [];
  let store: Store;
  let cql: Client;

  beforeAll(async () => {
    store = await open("a");
    stores.push(store);
    cql = new Client({ ...cluster, keyspace });
  });
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await cql?.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
    await cql?.shutdown();
  });

  async function conversation(): Promise<string> {
    const id = randomUUID();
    await store.createGroup({ id, kind: "group", name: "g", createdAt: new Date(), lastSeq: 0 },
      [{ conversationId: id, userId: "s1", role: "member", joinedAt: new Date() }]);
    return id;
  }
  const message = (conversationId: string, clientMessageId: string): NewMessage =>
    ({ conversationId, senderId: "s1", clientMessageId, text: clientMessageId, sentAt: new Date() });
  const texts = async (id: string) => (await store.listMessages(id, { limit: 100, order: "asc" })).map((m) => `${m.seq}:${m.text}`);
  const lwtCount = async () => (await cql.execute("SELECT slot FROM sequencer_leases")).rowLength;

  it("refuses to open a keyspace with another bucket size (its messages would be unreachable)", async () => {
    await expect(createScyllaStore({ ...cluster, keyspace, bucketSize: 1000 })).rejects.toThrow(/buckets of 10 seqs, not 1000/);
  });

  it("a lapsed lease its owner renews is not taken too: two nodes never hold a slot at once", async () => {
    // Renewals only when the test runs them; slot 0 is free (no test before this one appends).
    const lapsing: LeaseTimings = { leaseMs: 1_000, renewMs: 3_600_000, marginMs: 100 };
    const fail = (err: unknown) => expect.fail(String(err));
    let beforeTake: () => Promise<void> = async () => {};
    /** Runs `beforeTake` once between the taker's read of the lease row and its conditional write. */
    class Interleaved extends Cql {
      override async cas(query: string, params: Params) {
        const hook = beforeTake;
        beforeTake = async () => {};
        await hook();
        return super.cas(query, params);
      }
    }
    const a = new SequencerLeases(new Cql(cql), "a/lapsing", lapsing, fail);
    const b = new SequencerLeases(new Interleaved(cql), "b/lapsing", lapsing, fail);
    try {
      expect(await a.claim(0)).toHaveProperty("epoch");
      await sleep(lapsing.leaseMs + lapsing.marginMs * 3); // lapsed by every clock: b may take it
      // As an owner waking from a pause does: its renewal lands after b read the row, before b's take.
      beforeTake = () => a.renewAll();
      const seen = await b.claim(0);
      expect(a.valid(0)).toBeDefined(); // a renewed: it may ACK for another lease...
      expect(seen).toMatchObject({ owner: "a/lapsing" }); // ...so b must not sequence the slot too
    } finally {
      await Promise.all([a.release(), b.release()]);
    }
  });

  it("a node that starts with nothing in memory finds the head across buckets, and forwards to the owner", async () => {
    const id = await conversation();
    for (let i = 1; i <= 35; i++) await store.appendMessage(message(id, `m${i}`));
    const fresh = await open("b");
    stores.push(fresh);
    expect((await fresh.getConversation(id))!.lastSeq).toBe(35);
    expect((await fresh.appendMessage(message(id, "next"))).message.seq).toBe(36);
    expect(await fresh.appendMessage(message(id, "m3"))).toMatchObject({ message: { seq: 3 }, duplicate: true });
    expect((await fresh.listMessages(id, { limit: 3, order: "desc" })).map((m) => m.seq)).toEqual([36, 35, 34]);
    expect(await lwtCount()).toBeGreaterThan(0);
  });

  it("a node forwarding to an owner routes from memory while the owner answers: no serial read of the lease row per lease", async () => {
    const id = await conversation();
    await store.appendMessage(message(id, "first")); // "a" owns the slot now
    const sender = await open("c");
    stores.push(sender);
    await sender.appendMessage(message(id, "read the row")); // one read: the slot is a's
    const before = cqlRequests.serialRead;
    // Three lease lengths: the row read above ends after leaseMs + marginMs; answers extend it.
    for (let i = 0, end = Date.now() + timings.leaseMs * 3; Date.now() < end; i++) {
      await sender.appendMessage(message(id, `m${i}`));
      await sleep(100);
    }
    expect(cqlRequests.serialRead - before).toBe(0);
  });

  it("a stale owner's late writes lose to the new owner's, above the head and at the seqs it reuses", async () => {
    const id = await conversation();
    await store.appendMessage(message(id, "one"));
    const [row] = (await cql.execute("SELECT WRITETIME(text) AS ts FROM messages WHERE conversation_id = ? AND bucket = 0 AND seq = 1", [id], { prepare: true })).rows;
    const staleTs = types.Long.fromString(((BigInt(row!.get("ts").toString()) >> 40n) * 2n ** 40n + 2n ** 39n).toString());
    // The owner hands over (as a crash would after the lease), and another node takes over.
    await store.close();
    stores.splice(stores.indexOf(store), 1);
    const next = await open("c");
    stores.push(next);
    store = next;
    expect((await next.appendMessage(message(id, "two"))).message.seq).toBe(2);
    // Now the old owner's batch lands: seq 2 (taken meanwhile) and seq 3 (above the head).
    for (const seq of [2, 3]) {
      await cql.execute(`INSERT INTO messages (conversation_id, bucket, seq, sender_id, client_message_id, text, sent_at)
        VALUES (?, 0, ?, 's1', ?, 'stale', ?) USING TIMESTAMP ?`, [id, seq, `stale${seq}`, new Date(), staleTs], { prepare: true });
    }
    expect(await texts(id)).toEqual(["1:one", "2:two"]);
    expect((await next.appendMessage(message(id, "three"))).message.seq).toBe(3);
    expect(await texts(id)).toEqual(["1:one", "2:two", "3:three"]);
  });

  it("a paused owner ACKs nothing it cannot prove; the retry on another node finds the message once", async () => {
    const id = await conversation();
    const other = await open("d");
    stores.push(other);
    await store.appendMessage(message(id, "one"));
    // Let the write go out, then freeze this process past the lease (both stores freeze: only
    // the owner's clock matters, and nobody renews meanwhile).
    const paused = store.appendMessage(message(id, "two"));
    await new Promise((r) => setImmediate(r));
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, timings.leaseMs + timings.marginMs * 2);
    await expect(paused).rejects.toBeInstanceOf(StoreUnavailable);
    const retried = await other.appendMessage(message(id, "two"));
    expect(retried.message.seq).toBe(2);
    expect((await store.appendMessage(message(id, "three"))).message.seq).toBe(3);
    expect(await texts(id)).toEqual(["1:one", "2:two", "3:three"]);
  });

  it("two nodes racing for a slot whose lease ended: one takes it, the other forwards to it, nobody fails", async () => {
    const id = await conversation();
    await store.appendMessage(message(id, "one"));
    await store.close(); // gives its slots back: the lease row stays, expired
    stores.splice(stores.indexOf(store), 1);
    const [e, f] = await Promise.all([open("e"), open("f")]);
    stores.push(e, f);
    store = e;
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? e : f).appendMessage(message(id, `r${i}`))));
    expect(results.map((r) => r.message.seq).sort((x, y) => x - y)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });
});
