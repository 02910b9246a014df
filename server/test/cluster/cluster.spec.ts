import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { BotService } from "@chat/gen/chat/v1/bot_pb.js";
import { SearchService } from "@chat/gen/chat/v1/search_pb.js";
import { Availability } from "@chat/gen/chat/v1/user_pb.js";
import { type TestUser, clientsFor, loginDevice, newId, openStream, registerUser, transportFor } from "../harness.ts";
import { startNginx } from "./nginx.ts";
import { type PushTestCredentials, startPushCredentials, subscribeDevice } from "../push-node.ts";
import { type NodeProcess, spawnNode } from "./node-process.ts";

/** Retries a send refused with Unavailable (as the client library does), with its deadline. */
async function untilAcked<T>(send: () => Promise<T>, timeoutMs: number): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; ;) {
    try {
      return await send();
    } catch (err) {
      if (ConnectError.from(err).code !== Code.Unavailable || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** A user whose clients talk to a given node. */
const on = (node: NodeProcess, user: TestUser): TestUser => ({ ...user, clients: clientsFor(transportFor(node.url, "grpc", user.token)) });

describe("a cluster of three nodes over Redis and Cassandra", () => {
  const nodes: NodeProcess[] = [];
  let alice: TestUser, bob: TestUser, carol: TestUser;
  let group: string;
  let push: PushTestCredentials;

  beforeAll(async () => {
    push = await startPushCredentials();
    const keyspace = `cluster_${process.pid}_${Date.now() % 100_000}`;
    const args = [
      "--redis-url", inject("redisUrl"), "--scylla-contact-points", inject("cassandraContactPoint"),
      "--scylla-datacenter", inject("cassandraDataCenter"), "--scylla-keyspace", keyspace,
      "--heartbeat-interval-ms", "500", "--heartbeat-timeout-ms", "2000", ...push.args,
    ];
    // The first node creates the schema; the others start together once it is there.
    nodes.push(await spawnNode({ nodeId: "n1", args }));
    nodes.push(...(await Promise.all([spawnNode({ nodeId: "n2", args }), spawnNode({ nodeId: "n3", args })])));
    alice = await registerUser({ url: nodes[0]!.url }, "alice");
    bob = on(nodes[1]!, await registerUser({ url: nodes[1]!.url }, "bob"));
    carol = on(nodes[2]!, await registerUser({ url: nodes[2]!.url }, "carol"));
    group = (await alice.clients.conversations.createGroup({ name: "spread", memberIds: [bob.id, carol.id] })).conversation!.id;
  }, 120_000);
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    await push?.close();
  });

  it("delivers live across nodes, in one order, with receipts back to the sender", async () => {
    const [a, b, c] = await Promise.all([openStream(alice), openStream(bob), openStream(carol)]);
    // The group's system events ("alice created the group") come before the sends.
    const base = Number((await alice.clients.conversations.getConversation({ conversationId: group })).conversation!.lastSeq);
    await Promise.all([alice, bob, carol].flatMap((u) => [1, 2, 3, 4, 5].map((i) =>
      u.clients.live.sendMessage({ conversationId: group, clientMessageId: newId(), text: `${u.username}-${i}` }))));
    const orders = await Promise.all([a, b, c].map((s) => s.until(() => { const m = s.of("message"); return m.length >= 15 && m; }, 10_000, "15 messages")));
    for (const order of orders) expect(order.map((m) => Number(m.seq))).toEqual(Array.from({ length: 15 }, (_, i) => base + i + 1));
    expect(new Set(orders.map((o) => o.map((m) => m.text).join()))).toHaveProperty("size", 1);

    const last = BigInt(base + 15);
    c.send({ frame: { case: "markRead", value: { conversationId: group, seq: last } } });
    await a.until(() => a.of("receipt").find((r) => r.state?.userId === carol.id && r.state.readSeq === last), 5_000, "carol's read mark on node 1");
    [a, b, c].forEach((s) => s.close());
  });

  it("relays presence and typing across nodes", async () => {
    const a = await openStream(alice);
    const b = await openStream(bob);
    await a.until(() => a.of("presence").find((p) => p.userId === bob.id && p.online), 5_000, "bob online on node 1");
    b.send({ frame: { case: "typing", value: { conversationId: group, typing: true } } });
    await a.until(() => a.of("typing").find((t) => t.userId === bob.id && t.typing), 5_000, "bob typing on node 1");
    b.close();
    await a.until(() => a.of("presence").find((p) => p.userId === bob.id && !p.online), 5_000, "bob offline on node 1");
    a.close();
  });

  it("serves one status on every node: set on one, pushed and looked up on the others, cleared at expiry, invisible", async () => {
    const [a, b] = await Promise.all([openStream(alice), openStream(bob)]);
    await b.until(() => b.of("presence").find((p) => p.userId === alice.id && p.online), 5_000, "alice online on node 2");
    const statusExpiresAt = timestampFromMs(Date.now() + 1_500);
    await alice.clients.users.setStatus({ availability: Availability.BUSY, setText: true, statusText: "focus", statusExpiresAt });
    await b.until(() => b.of("presence").find((p) => p.userId === alice.id && p.statusText === "focus"), 5_000, "alice's status on node 2");
    const [onNode3] = (await carol.clients.users.getUsers({ userIds: [alice.id] })).presence;
    expect([onNode3!.availability, onNode3!.statusText, onNode3!.statusExpiresAt?.seconds]).toEqual([Availability.BUSY, "focus", statusExpiresAt.seconds]);
    // One node's sweep clears the text at its expiry and tells node 2's stream; the availability stays.
    await b.until(() => b.of("presence").find((p) => p.userId === alice.id && p.statusText === "" && p.availability === Availability.BUSY), 5_000, "the text cleared");
    expect(b.of("presence").filter((p) => p.userId === alice.id && p.statusText === "" && p.availability === Availability.BUSY)).toHaveLength(1);
    const toldBefore = b.of("presence").length;
    await alice.clients.users.setStatus({ availability: Availability.INVISIBLE });
    const hidden = await b.until(() => b.of("presence").slice(toldBefore).find((p) => p.userId === alice.id && !p.online), 5_000, "alice hidden");
    const [seenOnNode3] = (await carol.clients.users.getUsers({ userIds: [alice.id] })).presence;
    expect([seenOnNode3!.online, seenOnNode3!.availability, seenOnNode3!.lastSeen]).toEqual([false, Availability.UNSPECIFIED, hidden.lastSeen]);
    const [own] = (await on(nodes[2]!, alice).clients.users.getUsers({ userIds: [alice.id] })).presence;
    expect([own!.online, own!.availability]).toEqual([true, Availability.INVISIBLE]);
    const told = b.of("presence").length;
    await alice.clients.users.setStatus({ availability: Availability.ONLINE });
    await b.until(() => b.of("presence").slice(told).find((p) => p.userId === alice.id && p.online && p.availability === Availability.ONLINE), 5_000, "alice visible again");
    [a, b].forEach((s) => s.close());
  });

  it("resumes a device that moves to another node, with nothing missed and nothing twice", async () => {
    const b1 = await openStream(bob);
    await alice.clients.live.sendMessage({ conversationId: group, clientMessageId: newId(), text: "before the move" });
    const last = await b1.until(() => b1.of("message").find((m) => m.text === "before the move"));
    b1.close();
    for (let i = 0; i < 5; i++) await carol.clients.live.sendMessage({ conversationId: group, clientMessageId: newId(), text: `while moving ${i}` });
    const moved = on(nodes[2]!, bob);
    const b3 = await openStream(moved);
    b3.send({ frame: { case: "resume", value: { cursors: [{ conversationId: group, seq: last.seq }] } } });
    await alice.clients.live.sendMessage({ conversationId: group, clientMessageId: newId(), text: "after the move" });
    const got = await b3.until(() => { const m = b3.of("message"); return m.length >= 6 && m; }, 10_000, "6 messages after the move");
    expect(got.map((m) => Number(m.seq))).toEqual(Array.from({ length: 6 }, (_, i) => Number(last.seq) + 1 + i));
    expect(got.at(-1)!.text).toBe("after the move");
    b3.close();
  });

  it("works behind nginx balancing gRPC streams over the nodes", async () => {
    const lb = await startNginx(nodes.map((n) => n.port));
    try {
      const users = await Promise.all([0, 1, 2, 3, 4, 5].map(async (i) => {
        const u = await registerUser({ url: lb.url }, `lb${i}`);
        return { ...u, clients: clientsFor(transportFor(lb.url, "grpc", u.token)) };
      }));
      const conv = (await users[0]!.clients.conversations.createGroup({ name: "balanced", memberIds: users.slice(1).map((u) => u.id) })).conversation!.id;
      const streams = await Promise.all(users.map((u) => openStream(u)));
      // Each stream went to some node; round robin spreads six of them over all three.
      const open = await Promise.all(nodes.map(async (n) => Number((await (await fetch(`${n.url}/metrics`)).text()).match(/^chat_open_streams (\d+)/m)![1])));
      expect(open.filter((count) => count > 0)).toHaveLength(3);
      const ack = await users[5]!.clients.live.sendMessage({ conversationId: conv, clientMessageId: newId(), text: "through nginx" });
      for (const s of streams) await s.until(() => s.of("message").find((m) => m.seq === ack.seq), 5_000, "the message on every stream");
      streams.forEach((s) => s.close());
    } finally {
      await lb.stop();
    }
  });

  it("closes a device's stream on another node within 1 s when the device is revoked (the control plane)", async () => {
    const phone = await loginDevice({ url: nodes[0]!.url }, bob);
    const stream = await openStream(phone); // on node 1
    const revokedAt = Date.now();
    await bob.clients.auth.revokeSession({ deviceId: phone.deviceId }); // on node 2
    await stream.until(() => stream.ended !== undefined, 1_000, "the revoked device's stream to end");
    expect(Date.now() - revokedAt).toBeLessThan(1_000);
    expect(ConnectError.from(stream.ended).code).toBe(Code.Unauthenticated);
  });

  it("shows a mute made on one device on the user's other devices live, wherever their streams are (not to other members)", async () => {
    const laptop = on(nodes[2]!, await loginDevice({ url: nodes[2]!.url }, bob));
    const [phone, desk, other] = await Promise.all([openStream(bob), openStream(laptop), openStream(carol)]); // nodes 2, 3, 3
    const shown = (s: Awaited<ReturnType<typeof openStream>>, muted: boolean) => s.until(() => s.of("conversationUpdate")
      .find((u) => u.conversation?.id === group && u.conversation.muted === muted), 2_000, `a conversation update (muted ${muted})`);
    const until = Date.now() + 3_600_000;
    await bob.clients.conversations.muteConversation({ conversationId: group, muted: true, until: timestampFromMs(until) });
    const [onPhone, onDesk] = await Promise.all([shown(phone, true), shown(desk, true)]);
    expect(Number(onDesk.conversation!.mutedUntil!.seconds)).toBe(Math.floor(until / 1000));
    expect(onPhone.conversation!.members.length).toBe(3);
    await laptop.clients.conversations.muteConversation({ conversationId: group, muted: false });
    await Promise.all([shown(phone, false), shown(desk, false)]);
    expect(other.of("conversationUpdate")).toEqual([]);
    for (const s of [phone, desk, other]) s.close();
  });

  it("refuses a removed member's send on every node at once, and lets an added one send at once", async () => {
    const conv = (await alice.clients.conversations.createGroup({ name: "control", memberIds: [carol.id] })).conversation!.id;
    // carol's node (3) caches the members; bob's node (2) caches them without bob.
    await carol.clients.live.sendMessage({ conversationId: conv, clientMessageId: newId(), text: "cached on node 3" });
    await expect(bob.clients.live.sendMessage({ conversationId: conv, clientMessageId: newId(), text: "not yet" })).rejects.toMatchObject({ code: Code.NotFound });
    await alice.clients.conversations.removeMember({ conversationId: conv, userId: carol.id }); // on node 1
    const { conversation: added } = await alice.clients.conversations.addMembers({ conversationId: conv, userIds: [bob.id] });
    // Well within the members cache's 5 s TTL: only the control plane can have told nodes 2 and 3.
    await expect(carol.clients.live.sendMessage({ conversationId: conv, clientMessageId: newId(), text: "removed" })).rejects.toMatchObject({ code: Code.NotFound });
    await expect(bob.clients.live.sendMessage({ conversationId: conv, clientMessageId: newId(), text: "added" })).resolves.toMatchObject({ seq: added!.lastSeq + 1n });
  });

  it("finds a message sent through one node through the others; an edit or a delete shows at once; a removed member finds nothing", async () => {
    const search = (u: TestUser, node: NodeProcess, query: string, conversationId = "") =>
      createClient(SearchService, transportFor(node.url, "grpc", u.token)).searchMessages({ query, conversationId })
        .then((r) => r.hits.map((h) => h.message!.text));
    const { conversation } = await alice.clients.conversations.createGroup({ name: "finds", memberIds: [bob.id, carol.id] });
    const conv = conversation!.id;
    const word = `zebra${newId().slice(0, 6)}`;
    const sent = await alice.clients.live.sendMessage({ conversationId: conv, clientMessageId: newId(), text: `the ${word} crossing` });
    expect(await search(bob, nodes[1]!, word)).toEqual([`the ${word} crossing`]);
    expect(await search(carol, nodes[2]!, `${word.slice(0, 4)}* in:#finds`)).toEqual([`the ${word} crossing`]);

    await alice.clients.live.editMessage({ conversationId: conv, seq: sent.seq, clientMessageId: newId(), text: `the ${word} stripes` });
    expect(await search(bob, nodes[1]!, "crossing", conv)).toEqual([]);
    expect(await search(carol, nodes[2]!, `${word} stripes`)).toEqual([`the ${word} stripes`]);

    await alice.clients.conversations.removeMember({ conversationId: conv, userId: carol.id });
    expect(await search(carol, nodes[2]!, word)).toEqual([]);
    await expect(search(carol, nodes[1]!, word, conv)).rejects.toMatchObject({ code: Code.NotFound });

    await bob.clients.live.sendMessage({ conversationId: conv, clientMessageId: newId(), text: `another ${word}` });
    await alice.clients.live.deleteMessage({ conversationId: conv, seq: sent.seq, clientMessageId: newId() });
    expect(await search(bob, nodes[0]!, word)).toEqual([`another ${word}`]);
  });

  it("holds a bot to one send limit over all nodes (10 at once by default, wherever its calls land)", async () => {
    const owner = createClient(BotService, transportFor(nodes[0]!.url, "grpc", alice.token));
    const { bot } = await owner.createBot({ username: `bot${newId().slice(0, 8)}` });
    const { token } = await owner.createBotToken({ botId: bot!.id, name: "spread", canWrite: true });
    const conv = (await alice.clients.conversations.getOrCreateDirect({ userId: bot!.id })).conversation!.id;
    const clients = [nodes[1]!, nodes[2]!].map((node) => clientsFor(transportFor(node.url, "grpc", token)));
    await Promise.all(clients.map((c) => c.auth.whoAmI({}))); // connections up, so that the sends go out together
    // 6 sends on each of two nodes: an in-process bucket per node would let all 12 through.
    const results = await Promise.all(clients.flatMap((c) => Array.from({ length: 6 }, () =>
      c.live.sendMessage({ conversationId: conv, clientMessageId: newId(), text: "spam" }).then(() => "ok", (err: unknown) => Code[ConnectError.from(err).code]))));
    // 10 from the burst, and an 11th if the calls spread over more than the 200 ms a token takes to come back.
    expect(results.filter((r) => r === "ok").length).toBeGreaterThanOrEqual(10);
    expect(results.filter((r) => r === "ResourceExhausted").length).toBeGreaterThanOrEqual(1);
    expect(results.filter((r) => r !== "ok" && r !== "ResourceExhausted")).toEqual([]);
  });

  it("keeps a browser client (Subscribe + unary heartbeats, round-robin over the nodes) connected for 3x the heartbeat timeout", async () => {
    const lb = await startNginx(nodes.map((n) => n.port));
    const abort = new AbortController();
    try {
      const browser = on(nodes[0]!, await registerUser({ url: nodes[0]!.url }, "browser"));
      const viaLb = clientsFor(transportFor(lb.url, "grpc", browser.token));
      const frames: string[] = [];
      let ended: unknown = "open";
      void (async () => {
        try {
          for await (const res of viaLb.live.subscribe({ resume: { cursors: [] } }, { signal: abort.signal })) frames.push(res.frame!.frame.case ?? "");
          ended = null;
        } catch (err) {
          ended = err;
        }
      })();
      // Every 1 s: round robin brings each node one every 3 s, beyond the 2 s timeout, so the stream lives
      // only if a heartbeat counts wherever it lands.
      const beats = setInterval(() => void viaLb.live.heartbeat({}).catch(() => undefined), 1_000);
      try {
        await new Promise((r) => setTimeout(r, 3 * 2_000 + 500)); // the test's point: nothing may end the stream meanwhile
      } finally {
        clearInterval(beats);
      }
      expect(ended).toBe("open");
      expect(frames.filter((f) => f === "ready")).toHaveLength(1);
    } finally {
      abort.abort();
      await lb.stop();
    }
  });

  it("pushes to a user connected to no node (the cluster's session map decides), from any node's worker, through the Redis queue", async () => {
    const dave = on(nodes[1]!, await registerUser({ url: nodes[1]!.url }, "dave"));
    const subscription = await subscribeDevice(nodes[2]!, push.fake, dave);
    const conversationId = (await alice.clients.conversations.getOrCreateDirect({ userId: dave.id })).conversation!.id;
    const online = await openStream(dave); // on node 2; alice sends through node 1
    const sent = await alice.clients.live.sendMessage({ conversationId, clientMessageId: newId(), text: "seen live" });
    await online.until(() => online.of("message").some((m) => m.seq === sent.seq), 5_000, "the message live");
    online.close();
    // Offline once every node's session map agrees (Redis): then the next message is pushed.
    for (const end = Date.now() + 10_000; ;) {
      const [p] = (await alice.clients.users.getUsers({ userIds: [dave.id] })).presence;
      if (!p?.online) break;
      if (Date.now() > end) throw new Error("dave still online after 10 s");
      await new Promise((r) => setTimeout(r, 100));
    }
    const pushed = await alice.clients.live.sendMessage({ conversationId, clientMessageId: newId(), text: "pushed" });
    const pushes = () => push.fake.record.accepted.filter((p) => p.endpoint === subscription.endpoint);
    for (const end = Date.now() + 10_000; pushes().length === 0;) {
      if (Date.now() > end) throw new Error(`no push in 10 s; refused: ${JSON.stringify(push.fake.record.refused)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(pushes().map((p) => (p.payload as { seq: number }).seq)).toEqual([Number(pushed.seq)]);
  });

  it("lets the other nodes take over when one crashes; its users expire from the session map", async () => {
    const a = await openStream(alice);
    const crashed = nodes[1]!;
    await openStream(bob);
    await a.until(() => a.of("presence").find((p) => p.userId === bob.id && p.online), 5_000, "bob online");
    await crashed.kill();
    await a.until(() => a.of("presence").find((p) => p.userId === bob.id && !p.online), 10_000, "bob offline after his node crashed");
    const bobElsewhere = on(nodes[0]!, bob);
    // The crashed node may have been sequencing the group: until its lease lapses (leaseMs + marginMs,
    // docs/cluster.md) a send gets Unavailable, and a client retries it with the same id.
    const clientMessageId = newId();
    const ack = await untilAcked(() => bobElsewhere.clients.live.sendMessage({ conversationId: group, clientMessageId, text: "I'm back" }), 20_000);
    await a.until(() => a.of("message").find((m) => m.seq === ack.seq));
    a.close();
  });
});
