import { randomUUID } from "node:crypto";
import { Client } from "cassandra-driver";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { NewMessage, Store } from "../interface.ts";
import { createScyllaStore } from "./scylla-store.ts";

// What the contract suite cannot reach from the interface: a send that died halfway, as only a
// crash leaves it, and a node that starts with nothing in memory.
describe("Scylla message log", () => {
  const keyspace = `log_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const cluster = { contactPoints: [inject("cassandraContactPoint")], localDataCenter: inject("cassandraDataCenter") };
  const open = () => createScyllaStore({ ...cluster, keyspace, bucketSize: 10 });
  let store: Store;
  let cql: Client;

  beforeAll(async () => {
    store = await open();
    cql = new Client({ ...cluster, keyspace });
  });
  afterAll(async () => {
    await store?.close();
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
  /** The idempotency row a first try writes before it inserts its message, and then dies. */
  const claimOnly = (conversationId: string, clientMessageId: string, seq: number) => cql.execute(
    "INSERT INTO seq_by_client_message_id (conversation_id, sender_id, client_message_id, seq) VALUES (?, 's1', ?, ?)",
    [conversationId, clientMessageId, seq], { prepare: true });
  const texts = async (id: string) => (await store.listMessages(id, { limit: 100, order: "asc" })).map((m) => `${m.seq}:${m.text}`);

  it("a retry finishes a send that died after claiming its seq", async () => {
    const id = await conversation();
    await store.appendMessage(message(id, "one"));
    await claimOnly(id, "crashed", 2);
    expect(await store.appendMessage(message(id, "crashed"))).toMatchObject({ message: { seq: 2 }, duplicate: false });
    expect(await store.appendMessage(message(id, "crashed"))).toMatchObject({ message: { seq: 2 }, duplicate: true });
    await store.appendMessage(message(id, "three"));
    expect(await texts(id)).toEqual(["1:one", "2:crashed", "3:three"]);
  });

  it("a retry whose claimed seq was taken meanwhile moves past the head, once", async () => {
    const id = await conversation();
    await store.appendMessage(message(id, "one"));
    await claimOnly(id, "late", 2);
    await store.appendMessage(message(id, "two"));
    await store.appendMessage(message(id, "three"));
    const retries = await Promise.all([1, 2, 3].map(() => store.appendMessage(message(id, "late"))));
    expect(retries.filter((r) => !r.duplicate)).toHaveLength(1);
    expect(retries.map((r) => r.message.seq)).toEqual([4, 4, 4]);
    expect(await texts(id)).toEqual(["1:one", "2:two", "3:three", "4:late"]);
  });

  it("refuses to open a keyspace with another bucket size (its messages would be unreachable)", async () => {
    await expect(createScyllaStore({ ...cluster, keyspace, bucketSize: 1000 })).rejects.toThrow(/buckets of 10 seqs, not 1000/);
  });

  it("a node that starts with nothing in memory finds the head across buckets", async () => {
    const id = await conversation();
    for (let i = 1; i <= 35; i++) await store.appendMessage(message(id, `m${i}`));
    const fresh = await open();
    try {
      expect((await fresh.getConversation(id))!.lastSeq).toBe(35);
      const fresh2 = await open();
      expect((await fresh2.appendMessage(message(id, "next"))).message.seq).toBe(36);
      await fresh2.close();
      expect((await fresh.listMessages(id, { limit: 3, order: "desc" })).map((m) => m.seq)).toEqual([36, 35, 34]);
    } finally {
      await fresh.close();
    }
  });
});
