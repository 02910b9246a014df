import { afterAll, describe, expect, inject, it } from "vitest";
import { timestampDate, timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Availability } from "@chat/gen/chat/v1/user_pb.js";
import type { PushPayload } from "../src/push/providers/notification-payload.ts";
import type { PresenceRecord } from "../src/engines/sessions/interface.ts";
import { newId, openStream, registerUser, startNode, type TestUser } from "./harness.ts";
import { startPushCredentials, subscribeDevice } from "./push-node.ts";
import { startRedis } from "./services/redis.ts";

type Node = Awaited<ReturnType<typeof startNode>>;

/** Waits for `check` to hold, failing after `timeoutMs`. */
async function until<T>(check: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs = 5_000): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; ;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Alice busy with a text for an hour, Carol invisible (while online), Dave away with a text that
 * expires within a second: each chose it on a stream, then went offline. Bob shares a group with
 * them. Resolves the users and when Dave's text expires.
 */
async function chooseStatuses(node: Node) {
  const [alice, bob, carol, dave] = await Promise.all(["alice", "bob", "carol", "dave"].map((name) => registerUser(node, name)));
  await bob!.clients.conversations.createGroup({ name: "team", memberIds: [alice!.id, carol!.id, dave!.id] });
  const streams = await Promise.all([alice, carol, dave].map((u) => openStream(u!)));
  const daveExpiry = Date.now() + 1_000;
  await alice!.clients.users.setStatus({ availability: Availability.BUSY, setText: true, statusText: "in a meeting", statusExpiresAt: timestampFromMs(Date.now() + 3_600_000) });
  await carol!.clients.users.setStatus({ availability: Availability.INVISIBLE });
  await dave!.clients.users.setStatus({ availability: Availability.AWAY, setText: true, statusText: "lunch", statusExpiresAt: timestampFromMs(daveExpiry) });
  for (const s of streams) s.close();
  const ids = [alice!.id, carol!.id, dave!.id];
  await until(async () => (await node.engines.sessions.presence(ids)).every((p) => !p.online), "everyone offline");
  return { alice: alice!, bob: bob!, carol: carol!, dave: dave!, ids, daveExpiry };
}

/** Checks what `node` shows after the loss against what it showed before (`before`, of alice, carol, dave). */
async function expectKept(node: Node, users: Awaited<ReturnType<typeof chooseStatuses>>, before: PresenceRecord[]) {
  const [alice, carol, dave] = await node.engines.sessions.presence(users.ids);
  const near = (a: Date | undefined, b: Date | undefined) => Math.abs((a?.getTime() ?? 0) - (b?.getTime() ?? -1e9)) < 1_000;
  expect(alice!.status).toEqual(before[0]!.status);
  expect(near(alice!.lastSeen, before[0]!.lastSeen)).toBe(true);
  expect(carol!.status).toEqual(before[1]!.status);
  expect(carol!.status?.hiddenLastSeen).toBeDefined();
  expect(near(carol!.lastSeen, before[1]!.lastSeen)).toBe(true);
  // Dave's text expired meanwhile: it stays expired, his availability stays.
  expect(dave!.status).toEqual({ availability: "away", text: "", textExpiresAt: undefined, hiddenLastSeen: undefined });
  // As a contact sees them over the API: Alice's text, Carol offline and seen when she went invisible.
  const [pa, pc] = (await users.bob.clients.users.getUsers({ userIds: [users.alice.id, users.carol.id] })).presence;
  expect([pa!.statusText, pa!.online]).toEqual(["in a meeting", false]);
  expect([pc!.online, pc!.availability, timestampDate(pc!.lastSeen!).getTime()]).toEqual([false, Availability.UNSPECIFIED, before[1]!.status!.hiddenLastSeen!.getTime()]);
}

describe("presence survives a restart of the embedded node", () => {
  const nodes: Node[] = [];
  afterAll(async () => {
    for (const n of nodes) await n.close().catch(() => {}); // the first is closed by the test already
  });

  it("keeps status, text and its expiry, invisible and its frozen last seen, and last-seen times; an expired text stays expired", async () => {
    const first = await startNode();
    nodes.push(first);
    const users = await chooseStatuses(first);
    const before = await first.engines.sessions.presence(users.ids);
    await first.close();
    await until(() => Date.now() > users.daveExpiry, "Dave's text to expire while the node is down");
    const second = await startNode({ dataDir: first.dataDir, port: first.port }); // the clients' URL
    nodes.push(second);
    await expectKept(second, users, before);
  }, 30_000);

  it("push still skips a busy (do-not-disturb) user after a restart", async () => {
    const credentials = await startPushCredentials();
    try {
      const first = await startNode({ args: credentials.args });
      nodes.push(first);
      const [alice, bob] = await Promise.all([registerUser(first, "alice"), registerUser(first, "bob")]);
      const subscription = await subscribeDevice(first, credentials.fake, bob);
      const group = (await alice.clients.conversations.createGroup({ name: "team", memberIds: [bob.id] })).conversation!.id;
      await bob.clients.users.setStatus({ availability: Availability.BUSY });
      await first.close();
      const second = await startNode({ dataDir: first.dataDir, port: first.port, args: credentials.args });
      nodes.push(second);
      const send = async (from: TestUser, text: string) =>
        Number((await from.clients.live.sendMessage({ conversationId: group, clientMessageId: newId(), text })).seq);
      await send(alice, "do not disturb");
      await bob.clients.users.setStatus({ availability: Availability.ONLINE });
      const after = await send(alice, "available again");
      const payloads = () => credentials.fake.record.accepted.filter((p) => p.endpoint === subscription.endpoint).map((p) => p.payload as PushPayload);
      await until(() => payloads().length > 0, "a push");
      expect(payloads()[0]).toMatchObject({ seq: after, count: 1 });
    } finally {
      await credentials.close();
    }
  }, 30_000);
});

describe("presence survives Redis restarted empty (a cluster of two nodes over Redis and Cassandra)", () => {
  it("restores status, text, invisible and last-seen times from the store; an expired text stays expired", async () => {
    const redis = await startRedis();
    const nodes: Node[] = [];
    try {
      const args = [
        "--redis-url", redis.url, "--scylla-contact-points", inject("cassandraContactPoint"),
        "--scylla-datacenter", inject("cassandraDataCenter"), "--scylla-keyspace", `presence_${process.pid}_${Date.now() % 100_000}`,
      ];
      nodes.push(await startNode({ args }));
      nodes.push(await startNode({ args }));
      const users = await chooseStatuses(nodes[0]!);
      const before = await nodes[1]!.engines.sessions.presence(users.ids);
      // Last-seen times reach the store within a flush period (coalesced): Redis is lost after that.
      await until(async () => {
        const kept = new Set<string>();
        for await (const page of nodes[0]!.engines.store.keptPresence(100)) for (const p of page) if (p.lastSeen) kept.add(p.userId);
        return users.ids.every((id) => kept.has(id));
      }, "the last-seen times kept", 10_000);
      await redis.restart();
      await until(() => Date.now() > users.daveExpiry, "Dave's text to expire while Redis is empty");
      // One node notices (within its check period) and restores; both see it.
      await until(async () => (await nodes[1]!.engines.sessions.presence([users.alice.id]))[0]!.status, "Alice's status back", 20_000);
      await expectKept(nodes[1]!, users, before);
      await expectKept(nodes[0]!, users, before);
    } finally {
      for (const n of nodes) await n.close();
      await redis.stop();
    }
  }, 60_000);
});
