import type { TypingEvent } from "@chat/gen/chat/v1/live_pb.js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ChatModel } from "./chat-model.ts";
import { type ChatState, initialChatState, reduceChat } from "./chat-state.ts";
import type { ChatClients } from "./clients.ts";
import { LiveSession } from "./live-session.ts";
import { subscribeLink } from "./subscribe-link.ts";
import { UserDirectory } from "./user-directory.ts";
import { TestServer, until } from "../test/test-server.ts";

let server: TestServer;
const models: ChatModel[] = [];
let n = 0;

/** A ChatModel as the desktop app builds it: Connect over HTTP/1.1, Subscribe + unary calls. */
async function modelOf(user: { clients: ChatClients; userId: string }) {
  const { clients, userId } = user;
  const session = new LiveSession({ clients, link: subscribeLink(clients), backoff: { baseMs: 50, capMs: 200 } });
  const model = new ChatModel<ChatState, never>({ session, clients, users: new UserDirectory(clients.users), state: initialChatState(userId), reduce: reduceChat });
  models.push(model);
  model.start();
  await until("online", () => model.state.connection === "online");
  return { model, clients, userId };
}

/** Two fresh users: alice on a ChatModel, bob as plain clients. */
async function pair() {
  n++;
  const alice = await modelOf(await server.user(`alice${n}`, "connect"));
  const bob = await server.user(`bob${n}`);
  return { alice, bob, bobName: `bob${n}` };
}

async function marksOf(clients: ChatClients, conversationId: string, userId: string) {
  const { conversation } = await clients.conversations.getConversation({ conversationId });
  return conversation!.readStates.find((r) => r.userId === userId);
}

beforeAll(async () => {
  server = await TestServer.start();
});
afterEach(async () => {
  await Promise.all(models.splice(0).map((m) => m.close()));
});
afterAll(async () => {
  await server.dispose();
});

describe("ChatModel", () => {
  it("shows a new conversation with names and its live messages, and marks them delivered", async () => {
    const { alice, bob, bobName } = await pair();
    const { conversation } = await bob.clients.conversations.getOrCreateDirect({ userId: alice.userId });
    const id = conversation!.id;
    await bob.clients.live.sendMessage({ conversationId: id, clientMessageId: "m1", text: "hello alice" });
    await until("the message", () => alice.model.state.conversations[id]?.messages.length === 1);
    const state = alice.model.state;
    expect(state.openId).toBe(id); // the first conversation opens by itself
    expect(state.names[bob.userId]).toBe(bobName);
    expect(state.conversations[id]!.messages[0]).toMatchObject({ text: "hello alice", seq: 1n, senderId: bob.userId });
    await until("delivered on the server", async () => (await marksOf(bob.clients, id, alice.userId))?.deliveredSeq === 1n);
    expect((await marksOf(bob.clients, id, alice.userId))?.readSeq).toBe(0n); // delivered is not read
  });

  it("takes a send from pending to stored, and a read mark to the server and the sender", async () => {
    const { alice, bob, bobName } = await pair();
    await alice.model.openDirect(`@${bobName}`);
    const id = alice.model.state.openId!;
    expect(alice.model.state.conversations[id]!.memberIds).toContain(bob.userId);
    const clientMessageId = alice.model.send(id, "hi bob");
    expect(alice.model.state.conversations[id]!.pending).toEqual([{ clientMessageId, text: "hi bob" }]);
    await until("stored and shown", () => alice.model.state.conversations[id]!.messages.length === 1);
    expect(alice.model.state.conversations[id]!.pending).toEqual([]);

    // Bob reads Alice's message: the receipt reaches her state live.
    await bob.clients.live.markRead({ conversationId: id, seq: 1n });
    await until("bob's receipt", () => alice.model.state.conversations[id]!.marks[bob.userId]?.read === 1n);

    await bob.clients.live.sendMessage({ conversationId: id, clientMessageId: "b1", text: "hi alice" });
    await until("bob's reply", () => alice.model.state.conversations[id]!.messages.length === 2);
    alice.model.markRead(id, 2n);
    expect(alice.model.state.conversations[id]!.marks[alice.userId]).toEqual({ delivered: 2n, read: 2n });
    await until("read on the server", async () => (await marksOf(bob.clients, id, alice.userId))?.readSeq === 2n);
  });

  it("reads older pages until the start of the conversation", async () => {
    n++;
    const bob = await server.user(`bob${n}`);
    const user = await server.user(`alice${n}`, "connect");
    const { conversation } = await bob.clients.conversations.createGroup({ name: "long", memberIds: [user.userId] });
    const id = conversation!.id;
    const base = Number(conversation!.lastSeq); // the group's system events come first
    for (let i = 1; i <= 80; i++) await bob.clients.live.sendMessage({ conversationId: id, clientMessageId: `m${i}`, text: `m${i}` });
    // Alice connects after the fact: only the newest messages are replayed.
    const alice = await modelOf(user);
    await until("the replayed tail", () => alice.model.state.conversations[id]?.messages.length === 50);
    expect(alice.model.state.conversations[id]!.messages[0]!.seq).toBe(BigInt(base + 31));
    await alice.model.loadOlder(id);
    expect(alice.model.state.conversations[id]!.messages.map((m) => Number(m.seq))).toEqual(Array.from({ length: base + 80 }, (_, i) => i + 1));
    expect(alice.model.state.conversations[id]!.loadingOlder).toBe(false);
  });

  it("creates a group and opens it; refuses an unknown user with NotFound", async () => {
    const { alice, bobName } = await pair();
    await alice.model.createGroup("plans", [`@${bobName}`]);
    const group = alice.model.state.conversations[alice.model.state.openId!]!;
    expect(group).toMatchObject({ kind: "group", name: "plans" });
    expect(group.memberIds).toHaveLength(2);
    await expect(alice.model.openDirect("@nobody-here")).rejects.toMatchObject({ code: 5 });
    expect(alice.model.state.openId).toBe(group.id);
  });

  it("shows a mute made on another device of mine at once, and its undoing, without refetching", async () => {
    const { alice, bobName } = await pair();
    await alice.model.openDirect(bobName);
    const id = alice.model.state.openId!;
    // Not through the model: only the stream can tell it.
    await alice.clients.conversations.muteConversation({ conversationId: id, muted: true });
    await until("muted here", () => alice.model.state.muted[id] === true, 3_000);
    await alice.clients.conversations.muteConversation({ conversationId: id, muted: false });
    await until("unmuted here", () => alice.model.state.muted[id] === undefined, 3_000);
  });

  it("sends typing while a draft has text, at most every two seconds, and stops when it is empty", async () => {
    const { alice, bob, bobName } = await pair();
    const watcher = new LiveSession({ clients: bob.clients }).start();
    const typing: TypingEvent[] = [];
    watcher.on("typing", (e) => typing.push(e));
    try {
      await until("bob online", () => watcher.state === "online");
      await alice.model.openDirect(bobName);
      const id = alice.model.state.openId!;
      for (const draft of ["h", "he", "hel"]) alice.model.draftChanged(id, draft);
      await until("typing", () => typing.length === 1);
      alice.model.draftChanged(id, "");
      await until("stopped", () => typing.length === 2);
      expect(typing.map((e) => [e.userId, e.typing])).toEqual([[alice.userId, true], [alice.userId, false]]);
    } finally {
      await watcher.close();
    }
  });
});
