import type { Message } from "@chat/gen/chat/v1/message_pb.js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ChatClients } from "./clients.ts";
import type { LiveLink } from "./live-link.ts";
import { LiveSession, type LiveSessionOptions, type LiveState } from "./live-session.ts";
import { subscribeLink } from "./subscribe-link.ts";
import { TestServer, until } from "../test/test-server.ts";

/** The two ways a session connects; every test runs on both. */
interface Variant {
  name: string;
  protocol: "grpc" | "connect";
  link(clients: ChatClients): LiveLink | undefined;
}
const variants: Variant[] = [
  { name: "Stream (gRPC, HTTP/2)", protocol: "grpc", link: () => undefined },
  { name: "Subscribe + unary calls (Connect, HTTP/1.1, as in a browser)", protocol: "connect", link: (clients) => subscribeLink(clients) },
];
let variant = variants[0]!;

/** A session with everything it reported, for assertions. */
function open(clients: ChatClients, options: Omit<LiveSessionOptions, "clients"> = {}) {
  const session = new LiveSession({ clients, backoff: { baseMs: 50, capMs: 200 }, link: variant.link(clients), ...options });
  const messages: Message[] = [];
  const states: LiveState[] = [];
  session.on("message", (m) => messages.push(m));
  session.on("state", (s) => states.push(s));
  sessions.push(session);
  return { session: session.start(), messages, states, texts: () => messages.map((m) => m.text) };
}

const sessions: LiveSession[] = [];
let server: TestServer;
let n = 0;

/** Two fresh users and their direct conversation. */
async function pair() {
  n++;
  const alice = await server.user(`alice${n}`, variant.protocol);
  const bob = await server.user(`bob${n}`, variant.protocol);
  const { conversation } = await alice.clients.conversations.getOrCreateDirect({ username: `bob${n}` });
  return { alice, bob, conversationId: conversation!.id };
}

/** Seqs must be 1..count, each once, in order. */
function expectExactlyOnceInOrder(messages: Message[], count: number) {
  expect(messages.map((m) => Number(m.seq))).toEqual(Array.from({ length: count }, (_, i) => i + 1));
}

beforeAll(async () => {
  server = await TestServer.start();
});
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  await server.dispose();
});

describe.each(variants)("LiveSession over $name", (v) => {
  beforeAll(() => {
    variant = v;
  });

  it("sends, resolves with the ACK, and delivers to both members once", async () => {
    const { alice, bob, conversationId } = await pair();
    const a = open(alice.clients);
    const b = open(bob.clients);
    await until("both online", () => a.session.state === "online" && b.session.state === "online");
    const ack = await a.session.send(conversationId, "hello bob");
    expect(ack.seq).toBe(1n);
    expect(ack.conversationId).toBe(conversationId);
    await until("bob sees it", () => b.messages.length === 1);
    await until("alice sees her own", () => a.messages.length === 1);
    expect(b.messages[0]).toMatchObject({ text: "hello bob", seq: 1n, senderId: alice.userId });
    expect(a.states).toEqual(["online"]);
    expect(a.session.userId).toBe(alice.userId);
  });

  it("resumes after the server restarts: nothing lost, nothing twice, offline sends flushed", async () => {
    const { alice, bob, conversationId } = await pair();
    const a = open(alice.clients);
    // Bob comes back late, so what is sent meanwhile reaches him by replay, not live.
    const b = open(bob.clients, { backoff: { baseMs: 1_500, capMs: 1_500, random: () => 0.99 } });
    await until("both online", () => a.session.state === "online" && b.session.state === "online");
    for (const text of ["one", "two", "three"]) await a.session.send(conversationId, text);
    await until("bob has three", () => b.messages.length === 3);

    await server.stop();
    await until("both reconnecting", () => a.session.state === "reconnecting" && b.session.state === "reconnecting");
    const offline = [a.session.send(conversationId, "four (offline)"), a.session.send(conversationId, "five (offline)")];
    expect(a.session.pendingSends).toBe(2);

    await server.listen();
    const acks = await Promise.all(offline);
    expect(acks.map((x) => x.seq)).toEqual([4n, 5n]);
    await alice.clients.live.sendMessage({ conversationId, clientMessageId: "unary-6", text: "six (while bob is away)" });
    await until("bob online again", () => b.session.state === "online");
    await until("bob has six", () => b.messages.length === 6);
    expect(b.texts()).toEqual(["one", "two", "three", "four (offline)", "five (offline)", "six (while bob is away)"]);
    expectExactlyOnceInOrder(b.messages, 6);
    await until("alice has six", () => a.messages.length === 6);
    expectExactlyOnceInOrder(a.messages, 6);
    expect(b.states).toEqual(["online", "reconnecting", "online"]);
  });

  it("resends sends cut off by a restart with the same id: each stored exactly once", async () => {
    const { alice, bob, conversationId } = await pair();
    const a = open(alice.clients);
    const b = open(bob.clients);
    await until("both online", () => a.session.state === "online" && b.session.state === "online");
    // Some of these reach the store before the stop, some do not; the answer to several is lost.
    const sends = Array.from({ length: 20 }, (_, i) => a.session.send(conversationId, `m${i + 1}`));
    await server.stop();
    await server.listen();
    const acks = await Promise.all(sends);
    expect(acks.map((x) => Number(x.seq))).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    await until("bob has twenty", () => b.messages.length === 20);
    expectExactlyOnceInOrder(b.messages, 20);
    expect(b.texts()).toEqual(acks.map((_, i) => `m${i + 1}`));
    const { messages } = await bob.clients.history.listMessages({ conversationId, limit: 100 });
    expect(messages).toHaveLength(20);

    // The same client id again: the first ACK comes back and nothing new is stored.
    const again = await a.session.send(conversationId, "m1", acks[0]!.clientMessageId);
    expect(again.seq).toBe(1n);
    await new Promise((r) => setTimeout(r, 200));
    expect(b.messages).toHaveLength(20);
  });

  it("replays only the tail of a conversation it has no cursor for, and everything after a seeded cursor", async () => {
    const { alice, bob, conversationId } = await pair();
    for (let i = 1; i <= 60; i++) {
      await alice.clients.live.sendMessage({ conversationId, clientMessageId: `c${i}`, text: `t${i}` });
    }
    const fresh = open(bob.clients);
    await until("fresh has the last 50", () => fresh.messages.length === 50);
    expect(fresh.messages[0]!.seq).toBe(11n);
    expect(fresh.messages.at(-1)!.seq).toBe(60n);

    const seeded = open(bob.clients, { cursors: [{ conversationId, seq: 5n }] });
    await until("seeded has 55", () => seeded.messages.length === 55);
    expect(seeded.messages[0]!.seq).toBe(6n);
    expect(seeded.session.cursors()).toEqual([{ conversationId, seq: 60n }]);
  });

  it("keeps read marks made offline and sends them when back", async () => {
    const { alice, bob, conversationId } = await pair();
    const a = open(alice.clients);
    const b = open(bob.clients);
    await until("both online", () => a.session.state === "online" && b.session.state === "online");
    await a.session.send(conversationId, "read me");
    await until("bob has it", () => b.messages.length === 1);
    await server.stop();
    await until("bob reconnecting", () => b.session.state === "reconnecting");
    b.session.markRead(conversationId, 1n);
    await server.listen();
    await until("bob online", () => b.session.state === "online");
    // Receipts are live only; a member who was offline too learns the marks from the conversation.
    const readBy = async () => {
      const { conversation } = await alice.clients.conversations.getConversation({ conversationId });
      return conversation!.readStates.find((r) => r.userId === bob.userId)?.readSeq;
    };
    for (let i = 0; i < 100 && (await readBy()) !== 1n; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await readBy()).toBe(1n);
  });

  it("replays the history of a group it is added to while online", async () => {
    const { alice, bob } = await pair();
    const b = open(bob.clients);
    await until("bob online", () => b.session.state === "online");
    const { conversation } = await alice.clients.conversations.createGroup({ name: "later", memberUsernames: [] });
    const conversationId = conversation!.id;
    for (const text of ["before bob 1", "before bob 2"]) {
      await alice.clients.live.sendMessage({ conversationId, clientMessageId: text, text });
    }
    await alice.clients.conversations.addMembers({ conversationId, userIds: [bob.userId] });
    // The history includes the group's system events: created (seq 1) and bob added (seq 4).
    await until("bob has the group's history", () => b.messages.length === 4);
    await alice.clients.live.sendMessage({ conversationId, clientMessageId: "after", text: "after bob joined" });
    await until("and what follows", () => b.messages.length === 5);
    expect(b.messages.map((m) => m.content.case)).toEqual(["systemEvent", "textContent", "textContent", "systemEvent", "textContent"]);
    expect(b.texts().filter(Boolean)).toEqual(["before bob 1", "before bob 2", "after bob joined"]);
    expectExactlyOnceInOrder(b.messages, 5);
  });

  it("fails a send the server refuses for good, and closes on a revoked token", async () => {
    const { alice } = await pair();
    const a = open(alice.clients);
    await until("online", () => a.session.state === "online");
    await expect(a.session.send("00000000-0000-4000-8000-000000000000", "nobody here")).rejects.toMatchObject({ code: 5 });
    const closed = new Promise<unknown>((resolve) => a.session.on("state", (s, err) => s === "closed" && resolve(err?.code)));
    await alice.clients.auth.logout({});
    expect(await closed).toBe(16);
    await expect(a.session.send("x", "y")).rejects.toThrow(/closed/);
  });
});

describe.each(variants)("LiveSession heartbeats over $name", (v) => {
  it("keeps a stream open well past the server's heartbeat timeout", async () => {
    const quick = await TestServer.start({ intervalMs: 200, timeoutMs: 1_000 });
    try {
      const { clients } = await quick.user("heartbeat", v.protocol);
      const session = new LiveSession({ clients, link: v.link(clients) }).start();
      const states: LiveState[] = [];
      session.on("state", (s) => states.push(s));
      await until("online", () => session.state === "online");
      // Three timeouts long: without heartbeats the server would have closed the stream.
      await new Promise((r) => setTimeout(r, 3_000));
      expect(session.state).toBe("online");
      expect(states).toEqual(["online"]); // and never dropped
      await session.close();
    } finally {
      await quick.dispose();
    }
  });
});
