import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { Role } from "@chat/gen/chat/v1/conversation_pb.js";
import type { Message } from "@chat/gen/chat/v1/message_pb.js";
import { type TestUser, newId, openStream, registerUser, startNode } from "./harness.ts";

/** The embedded node, and one node on Redis and Cassandra (the cluster's stores). */
const engines = [
  { name: "embedded", args: () => [] as string[] },
  { name: "redis + cassandra", args: () => [
    "--redis-url", inject("redisUrl"), "--scylla-contact-points", inject("cassandraContactPoint"),
    "--scylla-datacenter", inject("cassandraDataCenter"), "--scylla-keyspace", `mentions_${process.pid}_${Date.now() % 100_000}`,
  ] },
];

describe.each(engines)("mentions and unread counts ($name)", ({ args }) => {
  let server: Awaited<ReturnType<typeof startNode>>;
  let alice: TestUser, bob: TestUser, carol: TestUser, dave: TestUser, erin: TestUser;
  let group: string;

  beforeAll(async () => {
    server = await startNode({ args: args() });
    [alice, bob, carol, dave, erin] = await Promise.all([
      registerUser(server, "alice"), registerUser(server, "bob"), registerUser(server, "carol"), registerUser(server, "dave"), registerUser(server, "erin"),
    ]);
    group = (await alice.clients.conversations.createGroup({ name: "mentions", memberIds: [bob.id, carol.id, dave.id] })).conversation!.id;
    await alice.clients.conversations.setRole({ conversationId: group, userId: bob.id, role: Role.ADMIN });
  }, 60_000);
  afterAll(async () => server?.close());

  const send = (u: TestUser, text: string) => u.clients.live.sendMessage({ conversationId: group, clientMessageId: newId(), text });
  const counts = async (u: TestUser) => {
    const c = (await u.clients.conversations.getConversation({ conversationId: group })).conversation!;
    const listed = (await u.clients.conversations.listConversations({})).conversations.find((l) => l.id === group)!;
    expect([listed.unreadCount, listed.unreadMentionCount]).toEqual([c.unreadCount, c.unreadMentionCount]);
    return { unread: Number(c.unreadCount), mentions: Number(c.unreadMentionCount) };
  };

  it("counts members named by @username (once per message) and @all from admins, apart from unread; never one's own", async () => {
    // A group's system events (created, and so on) are never unread.
    expect(await counts(carol)).toEqual({ unread: 0, mentions: 0 });
    // Sending raises one's read mark to one's message: each reader counts from their own mark.
    await send(alice, `hi @${carol.username.toUpperCase()} and @${carol.username}, @${dave.username}. Note to self @${alice.username}; mail@${dave.username} is no mention`);
    await send(carol, `@all from a plain member is plain text, and so is @${erin.username} (not a member)`);
    await send(bob, `@all meeting at noon, @${alice.username}`);
    expect(await counts(carol)).toEqual({ unread: 1, mentions: 1 });
    expect(await counts(dave)).toEqual({ unread: 3, mentions: 2 });
    expect(await counts(alice)).toEqual({ unread: 2, mentions: 1 }); // carol's @all is plain; bob's names her twice, counts once
    expect(await counts(bob)).toEqual({ unread: 0, mentions: 0 });
    expect(await counts(erin).catch((err: unknown) => err)).toMatchObject({ rawMessage: expect.stringMatching(/not found/) });
  });

  it("a membership change is no unread message, and its live view carries the counts; reading clears both counts", async () => {
    const stream = await openStream(dave);
    const { conversation } = await alice.clients.conversations.addMembers({ conversationId: group, userIds: [erin.id] });
    const view = await stream.until(() => stream.of("membership").find((m) => m.userIds.includes(erin.id))?.conversation, 5_000, "dave's view of the change");
    expect([view.unreadCount, view.unreadMentionCount]).toEqual([3n, 2n]);
    stream.close();
    expect(await counts(carol)).toEqual({ unread: 1, mentions: 1 });
    await carol.clients.live.markRead({ conversationId: group, seq: conversation!.lastSeq });
    expect(await counts(carol)).toEqual({ unread: 0, mentions: 0 });
    // A mention after the mark counts again; an earlier one does not come back.
    await send(bob, `@${carol.username} one more`);
    expect(await counts(carol)).toEqual({ unread: 1, mentions: 1 });
  });

  it("serves the mentions with the text, live and in history: members once each in order, @all from admins only", async () => {
    const stream = await openStream(carol);
    const frank = await registerUser(server, "frank"); // no member
    const text = `@${dave.username} @ALL @${frank.username} @${dave.username.toUpperCase()} @${carol.username}`;
    const fromAdmin = await send(bob, text);
    const fromMember = await send(carol, text);
    const live = await stream.until(() => stream.of("message").find((m) => m.seq === fromAdmin.seq), 5_000, "the admin's message");
    const page = (await dave.clients.history.listMessages({ conversationId: group, limit: 2 })).messages;
    const mentions = (m: Message) => (m.content.case === "textContent" ? m.content.value.mentions.map((x) => (x.all ? "@all" : x.userId)) : []);
    // frank is no member: plain text. Names are case-insensitive and count once, in order of first appearance.
    expect(mentions(live)).toEqual([dave.id, "@all", carol.id]);
    expect(page.map((m) => Number(m.seq))).toEqual([Number(fromMember.seq), Number(fromAdmin.seq)]);
    expect(page.map(mentions)).toEqual([[dave.id, carol.id], [dave.id, "@all", carol.id]]); // carol is no admin: her @all is plain
    expect(page[0]!.text).toBe(text);
    stream.close();
  });
  it("an edit that adds a mention counts it; a deleted message's mention stops counting (the message stays unread)", async () => {
    const last = (await dave.clients.conversations.getConversation({ conversationId: group })).conversation!.lastSeq;
    await dave.clients.live.markRead({ conversationId: group, seq: last });
    const first = await send(bob, "hello");
    expect(await counts(dave)).toEqual({ unread: 1, mentions: 0 });
    await bob.clients.live.editMessage({ conversationId: group, seq: first.seq, clientMessageId: newId(), text: `hello @${dave.username}` });
    expect(await counts(dave)).toEqual({ unread: 1, mentions: 1 });
    const second = await send(bob, `@${dave.username} again`);
    expect(await counts(dave)).toEqual({ unread: 2, mentions: 2 });
    await bob.clients.live.deleteMessage({ conversationId: group, seq: second.seq, clientMessageId: newId() });
    expect(await counts(dave)).toEqual({ unread: 2, mentions: 1 });
    await bob.clients.live.editMessage({ conversationId: group, seq: first.seq, clientMessageId: newId(), text: "hello, nobody" });
    expect(await counts(dave)).toEqual({ unread: 2, mentions: 0 });
    // Edits and deletes are update entries: never unread, never the last message.
    const view = (await dave.clients.conversations.getConversation({ conversationId: group })).conversation!;
    expect(view.lastMessage?.seq).toBe(second.seq);
    expect(view.lastSeq).toBeGreaterThan(second.seq);
  });
});
