import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type Message, SystemEventKind } from "@chat/gen/chat/v1/message_pb.js";
import { type TestUser, newId, openStream, registerUser, startNode } from "./harness.ts";

/** The embedded node, and one node on Redis and Cassandra (the cluster's stores). */
const engines = [
  { name: "embedded", args: () => [] as string[] },
  { name: "redis + cassandra", args: () => [
    "--redis-url", inject("redisUrl"), "--scylla-contact-points", inject("cassandraContactPoint"),
    "--scylla-datacenter", inject("cassandraDataCenter"), "--scylla-keyspace", `events_${process.pid}_${Date.now() % 100_000}`,
  ] },
];

/** A message as a line: "kind actor users" for an event, the text for anything else. */
const line = (m: Message) => (m.content.case === "systemEvent"
  ? `${SystemEventKind[m.content.value.kind]} ${m.content.value.actorId} ${m.content.value.userIds.join(",")}`.trim()
  : m.text);

describe.each(engines)("system events of groups ($name)", ({ args }) => {
  let server: Awaited<ReturnType<typeof startNode>>;
  let alice: TestUser, bob: TestUser, carol: TestUser, dave: TestUser;

  beforeAll(async () => {
    server = await startNode({ args: args() });
    [alice, bob, carol, dave] = await Promise.all([
      registerUser(server, "alice"), registerUser(server, "bob"), registerUser(server, "carol"), registerUser(server, "dave"),
    ]);
  }, 60_000);
  afterAll(async () => server?.close());

  it("records created, added, removed and left in the stream, in order, live and on resume; none is unread or the last message", async () => {
    const bobLive = await openStream(bob);
    bobLive.send({ frame: { case: "resume", value: { cursors: [] } } }); // every conversation from seq 1
    const { conversation: created } = await alice.clients.conversations.createGroup({ name: "events", memberIds: [bob.id] });
    const group = created!.id;
    const hello = await alice.clients.live.sendMessage({ conversationId: group, clientMessageId: newId(), text: "hello" });
    await alice.clients.conversations.addMembers({ conversationId: group, userIds: [carol.id, dave.id] });
    await alice.clients.conversations.removeMember({ conversationId: group, userId: dave.id });
    await carol.clients.conversations.leaveConversation({ conversationId: group });
    const expected = [
      `GROUP_CREATED ${alice.id} ${bob.id}`, "hello", `MEMBERS_ADDED ${alice.id} ${[carol.id, dave.id].join(",")}`,
      `MEMBER_REMOVED ${alice.id} ${dave.id}`, `MEMBER_LEFT ${carol.id} ${carol.id}`,
    ];
    const live = await bobLive.until(() => { const m = bobLive.of("message").filter((x) => x.conversationId === group); return m.length >= 5 && m; }, 5_000, "five entries");
    expect(live.map(line)).toEqual(expected);
    expect(live.map((m) => Number(m.seq))).toEqual([1, 2, 3, 4, 5]);
    expect(live[0]!.content.case === "systemEvent" && live[0]!.content.value.groupName).toBe("events");
    expect(live.filter((m) => m.content.case === "systemEvent").every((m) => m.text === "")).toBe(true);
    bobLive.close();

    // A device that was away replays them like any message.
    const resumed = await openStream(bob);
    resumed.send({ frame: { case: "resume", value: { cursors: [{ conversationId: group, seq: 1n }] } } });
    const replay = await resumed.until(() => { const m = resumed.of("message"); return m.length >= 4 && m; }, 5_000, "the replay");
    expect(replay.map(line)).toEqual(expected.slice(1));
    resumed.close();
    const history = (await bob.clients.history.listMessages({ conversationId: group, limit: 10 })).messages;
    expect(history.map(line).reverse()).toEqual(expected);

    // The events are no unread message and never the last one; the last_seq cursor is the newest seq.
    const view = (await bob.clients.conversations.getConversation({ conversationId: group })).conversation!;
    expect(view.lastSeq).toBe(5n);
    expect(view.lastMessage?.seq).toBe(hello.seq);
    expect(view.unreadCount).toBe(1n);
  });

  it("an added member starts with the history before joining read: nothing of it is unread", async () => {
    const { conversation } = await alice.clients.conversations.createGroup({ name: "late", memberIds: [bob.id] });
    const group = conversation!.id;
    for (const text of ["one", "two"]) await bob.clients.live.sendMessage({ conversationId: group, clientMessageId: newId(), text });
    await alice.clients.conversations.addMembers({ conversationId: group, userIds: [carol.id] });
    const joined = (await carol.clients.conversations.getConversation({ conversationId: group })).conversation!;
    expect([joined.unreadCount, joined.unreadMentionCount]).toEqual([0n, 0n]);
    await bob.clients.live.sendMessage({ conversationId: group, clientMessageId: newId(), text: "welcome" });
    const after = (await carol.clients.conversations.getConversation({ conversationId: group })).conversation!;
    expect(after.unreadCount).toBe(1n);
  });

  it("a removed member hears of the removal; a repeated change writes no second event", async () => {
    const { conversation } = await alice.clients.conversations.createGroup({ name: "again", memberIds: [bob.id] });
    const group = conversation!.id;
    const bobLive = await openStream(bob);
    bobLive.send({ frame: { case: "resume", value: { cursors: [] } } }); // as clients do: in step with every conversation
    // Adding members already there changes nothing and says nothing.
    await Promise.all([1, 2].map(() => alice.clients.conversations.addMembers({ conversationId: group, userIds: [carol.id] })));
    await alice.clients.conversations.addMembers({ conversationId: group, userIds: [carol.id] });
    await alice.clients.conversations.removeMember({ conversationId: group, userId: bob.id });
    const removal = await bobLive.until(() => bobLive.of("message").find((m) => m.content.case === "systemEvent" && m.content.value.kind === SystemEventKind.MEMBER_REMOVED), 5_000, "bob's removal");
    expect(removal.content.case === "systemEvent" && removal.content.value.userIds).toEqual([bob.id]);
    bobLive.close();
    const history = (await alice.clients.history.listMessages({ conversationId: group, limit: 10 })).messages.map(line).reverse();
    expect(history).toEqual([
      `GROUP_CREATED ${alice.id} ${bob.id}`, `MEMBERS_ADDED ${alice.id} ${carol.id}`, `MEMBER_REMOVED ${alice.id} ${bob.id}`,
    ]);
  });
});
