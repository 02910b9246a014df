import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ErrorCode } from "@chat/gen/chat/v1/live_pb.js";
import { type StreamHandle, type TestUser, clientsFor, newId, openStream, registerUser, transportFor } from "../harness.ts";
import { type CassandraHandle, startCassandra } from "../services/cassandra.ts";
import { type NodeProcess, spawnNode } from "./node-process.ts";

/** The bound this suite states: a send the store cannot take is refused within it. */
const storeDeadlineMs = 2_000;
const heartbeat = { intervalMs: 1_000, timeoutMs: 4_000 };

/**
 * Cassandra frozen (SIGSTOP) for 10 s under two nodes: sends fail fast with Unavailable (never a
 * false ACK, never a hang), the streams of healthy clients stay open (heartbeats are read while a
 * send waits on the store), presence does not flap, and everything converges once Cassandra is back.
 * The Cassandra is this suite's own: freezing the run's shared one would stall every other suite.
 */
describe("Cassandra paused 10 s under a cluster", () => {
  let cassandra: CassandraHandle;
  const nodes: NodeProcess[] = [];
  let alice: TestUser, bob: TestUser;
  let group: string;
  /** The group's seq before any send: its system events ("alice created the group") come first. */
  let base: number;

  beforeAll(async () => {
    cassandra = await startCassandra();
    const args = [
      "--redis-url", inject("redisUrl"), "--scylla-contact-points", cassandra.contactPoint,
      "--scylla-datacenter", cassandra.localDataCenter, "--scylla-keyspace", `stall_${process.pid}`,
      "--heartbeat-interval-ms", String(heartbeat.intervalMs), "--heartbeat-timeout-ms", String(heartbeat.timeoutMs),
      "--store-deadline-ms", String(storeDeadlineMs),
    ];
    nodes.push(await spawnNode({ nodeId: "s1", args }));
    nodes.push(await spawnNode({ nodeId: "s2", args }));
    alice = await registerUser({ url: nodes[0]!.url }, "stalla");
    const b = await registerUser({ url: nodes[1]!.url }, "stallb");
    bob = { ...b, clients: clientsFor(transportFor(nodes[1]!.url, "grpc", b.token)) };
    const created = (await alice.clients.conversations.createGroup({ name: "stall", memberIds: [bob.id] })).conversation!;
    [group, base] = [created.id, Number(created.lastSeq)];
  }, 240_000);
  afterAll(async () => {
    cassandra?.resume();
    await Promise.all(nodes.map((n) => n.kill()));
    await cassandra?.stop();
  }, 60_000);

  it("refuses sends with Unavailable within the stated bound, keeps healthy streams open, then converges", async () => {
    const [a, b] = await Promise.all([openStream(alice), openStream(bob)]);
    await a.until(() => a.of("presence").find((p) => p.userId === bob.id && p.online), 5_000, "bob online");
    const presenceBefore = a.of("presence").length;
    const send = (s: StreamHandle, id: string, text: string) => s.send({ requestId: id, frame: { case: "send", value: { conversationId: group, clientMessageId: id, text } } });
    const first = newId();
    send(a, first, "before the pause");
    await b.until(() => b.of("message").find((m) => m.clientMessageId === first), 5_000, "the first message");

    cassandra.pause();
    const pausedAt = Date.now();
    try {
      // Sends during the pause, one second apart (past the members cache's TTL, too): each refused in time.
      const during: string[] = [];
      let slowest = 0;
      for (let i = 0; i < 8; i++) {
        const id = newId();
        during.push(id);
        const sentAt = Date.now();
        send(a, id, `during ${i}`);
        const answer = await a.until(() => a.of("error").find((e) => e.clientMessageId === id) ?? a.of("ack").find((k) => k.clientMessageId === id), storeDeadlineMs + 2_000, `an answer to send ${i}`);
        expect(answer, `send ${i} must not be ACKed while the store is frozen`).toHaveProperty("code", ErrorCode.UNAVAILABLE);
        slowest = Math.max(slowest, Date.now() - sentAt);
        expect(Date.now() - sentAt).toBeLessThan(storeDeadlineMs + 1_500);
        const left = 1_000 - (Date.now() - sentAt);
        if (left > 0) await new Promise((r) => setTimeout(r, left));
      }
      // Past 2x the heartbeat timeout, both streams are still open.
      const wait = 10_000 - (Date.now() - pausedAt);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      expect([a.ended, b.ended]).toEqual([undefined, undefined]);
      cassandra.resume();
      const resumedAt = Date.now();

      // The client retries with the same ids, as the client library does, until each is ACKed: right
      // after SIGCONT a send may still meet Unavailable (the node retakes its slot's lapsed lease).
      const retryUntilAcked = async (id: string) => {
        const deadline = Date.now() + 30_000;
        for (;;) {
          const refusals = a.of("error").filter((e) => e.clientMessageId === id).length;
          send(a, id, "retried");
          const answer = await a.until(() => a.of("ack").find((k) => k.clientMessageId === id)
            ?? (a.of("error").filter((e) => e.clientMessageId === id).length > refusals ? "refused" : undefined),
            Math.max(1, deadline - Date.now()), `an ACK of the retried send ${id}`);
          if (answer !== "refused") return;
          await new Promise((r) => setTimeout(r, 200));
        }
      };
      for (const id of during) await retryUntilAcked(id);
      await b.until(() => during.every((id) => b.of("message").some((m) => m.clientMessageId === id)), 30_000, "every retried send delivered");
      const seqs = b.of("message").map((m) => Number(m.seq));
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => base + i + 1));
      expect(new Set(b.of("message").map((m) => m.clientMessageId)).size).toBe(seqs.length);
      // No flap: nobody went offline and came back.
      expect(a.of("presence").slice(presenceBefore).filter((p) => p.userId === bob.id && !p.online)).toEqual([]);
      expect([a.ended, b.ended]).toEqual([undefined, undefined]);
      console.log(`Cassandra SIGSTOP 10 s: ${during.length} sends refused with Unavailable, slowest refusal ${slowest} ms ` +
        `(deadline ${storeDeadlineMs} ms); streams open throughout; all retried sends delivered ${Date.now() - resumedAt} ms after SIGCONT`);
    } finally {
      cassandra.resume();
      a.close();
      b.close();
    }
  }, 90_000);
});
