import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { ConversationKind, ConversationSchema } from "@chat/gen/chat/v1/conversation_pb.js";
import { type Message, MessageSchema } from "@chat/gen/chat/v1/message_pb.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChatModel } from "./chat-model.ts";
import { type ChatState, initialChatState, reduceChat } from "./chat-state.ts";
import { LiveSession } from "./live-session.ts";
import { subscribeLink } from "./subscribe-link.ts";
import { UserDirectory } from "./user-directory.ts";
import { TestServer, until } from "../test/test-server.ts";

// Jump-to-message (a search hit opened in its conversation) and the server's mute, in the shared model.

let server: TestServer;
beforeAll(async () => {
  server = await TestServer.start();
});
afterAll(async () => {
  await server.dispose();
});

describe("ChatModel.openAt", () => {
  it("loads the messages around a message in place of the newest, marks it found, and reads newer pages until the gap closes", async () => {
    const alice = await server.user("jumper");
    const bob = await server.user("jumpee");
    const { conversation } = await bob.clients.conversations.getOrCreateDirect({ userId: alice.userId });
    const id = conversation!.id;
    for (let i = 1; i <= 120; i++) await bob.clients.live.sendMessage({ conversationId: id, clientMessageId: `m${i}`, text: `message ${i}` });
    const session = new LiveSession({ clients: alice.clients, link: subscribeLink(alice.clients), backoff: { baseMs: 50, capMs: 200 } });
    const model = new ChatModel<ChatState, never>({ session, clients: alice.clients, users: new UserDirectory(alice.clients.users), state: initialChatState(alice.userId), reduce: reduceChat });
    model.start();
    try {
      await until("the conversation", () => model.state.conversations[id] !== undefined);
      await model.loadOlder(id); // the newest page, as a screen reads it on opening
      expect(model.state.conversations[id]!.messages.at(-1)!.seq).toBe(120n);

      await model.openAt(id, 30n, 5);
      let c = model.state.conversations[id]!;
      expect(c.messages.map((m) => Number(m.seq))).toEqual([25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35]);
      expect(model.state.found).toEqual({ conversationId: id, seq: 30n });
      expect(model.state.openId).toBe(id);
      expect(c.gapAfter).toBe(35n);

      // A message arriving meanwhile lands after the gap; reading on closes the gap when it meets it.
      await bob.clients.live.sendMessage({ conversationId: id, clientMessageId: "late", text: "message 121" });
      await until("the live message", () => model.state.conversations[id]!.messages.at(-1)!.seq === 121n);
      await model.loadNewer(id); // 36..85
      expect(model.state.conversations[id]!.gapAfter).toBe(85n);
      await model.loadNewer(id); // 86..121: reaches the end
      c = model.state.conversations[id]!;
      expect(c.gapAfter).toBeUndefined();
      expect(c.messages.map((m) => Number(m.seq))).toEqual(Array.from({ length: 97 }, (_, i) => 25 + i));

      // Back to the newest page, as when the person leaves the search hit behind.
      await model.openAt(id, 3n, 5);
      expect(model.state.conversations[id]!.messages.map((m) => Number(m.seq))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      await model.showNewest(id);
      c = model.state.conversations[id]!;
      expect(c.gapAfter).toBeUndefined();
      expect(model.state.found).toBeUndefined();
      expect(c.messages.at(-1)!.seq).toBe(121n);
      expect(c.messages.length).toBe(50);
    } finally {
      await model.close();
    }
  });

  it("opens a message near the end without a gap", async () => {
    const alice = await server.user("nearend");
    const { conversation } = await alice.clients.conversations.getOrCreateDirect({ userId: alice.userId });
    const id = conversation!.id;
    for (let i = 1; i <= 6; i++) await alice.clients.live.sendMessage({ conversationId: id, clientMessageId: `n${i}`, text: `note ${i}` });
    const session = new LiveSession({ clients: alice.clients, link: subscribeLink(alice.clients) });
    const model = new ChatModel<ChatState, never>({ session, clients: alice.clients, users: new UserDirectory(alice.clients.users), state: initialChatState(alice.userId), reduce: reduceChat });
    try {
      await model.openAt(id, 5n, 3);
      const c = model.state.conversations[id]!;
      expect(c.messages.map((m) => Number(m.seq))).toEqual([2, 3, 4, 5, 6]);
      expect(c.gapAfter).toBeUndefined();
    } finally {
      await model.close();
    }
  });
});

describe("reduceChat", () => {
  const conversation = (muted: boolean, until?: number) => create(ConversationSchema, {
    id: "c1", kind: ConversationKind.GROUP, name: "team", lastSeq: 3n, unreadCount: 2n, muted, ...(until ? { mutedUntil: timestampFromMs(until) } : {}),
  });
  const message = (seq: number): Message => create(MessageSchema, { conversationId: "c1", seq: BigInt(seq), senderId: "bob", text: `m${seq}`, sentAt: timestampFromMs(1_000 * seq) });

  it("takes the mute from the server, and ends a mute with an end when its time comes", () => {
    let s = reduceChat(initialChatState("me"), { type: "conversation", conversation: conversation(true, 60_000), now: 1_000 });
    expect(s.muted).toEqual({ c1: true });
    expect(s.conversations.c1!.mutedUntil).toBe(60_000);
    s = reduceChat(s, { type: "tick", now: 59_000 });
    expect(s.muted).toEqual({ c1: true });
    s = reduceChat(s, { type: "tick", now: 60_000 });
    expect(s.muted).toEqual({});
    s = reduceChat(s, { type: "conversation", conversation: conversation(true), now: 61_000 });
    expect(s.muted).toEqual({ c1: true });
    expect(s.conversations.c1!.mutedUntil).toBeUndefined();
    s = reduceChat(s, { type: "conversation", conversation: conversation(false), now: 62_000 });
    expect(s.muted).toEqual({});
  });

  it("closes the gap when a page without more arrives, and forgets the found message when another conversation opens", () => {
    let s = reduceChat(initialChatState("me"), { type: "conversation", conversation: conversation(false), now: 1_000 });
    s = reduceChat(s, { type: "window", conversationId: "c1", messages: [message(2), message(1)], more: true, found: 1n });
    expect(s.conversations.c1!.messages.map((m) => m.seq)).toEqual([1n, 2n]);
    expect(s.conversations.c1!.gapAfter).toBe(2n);
    s = reduceChat(s, { type: "newer", conversationId: "c1", messages: [message(3)], more: false });
    expect(s.conversations.c1!.gapAfter).toBeUndefined();
    expect(s.found).toEqual({ conversationId: "c1", seq: 1n });
    s = reduceChat(s, { type: "conversation", conversation: create(ConversationSchema, { id: "c2", kind: ConversationKind.GROUP, name: "other" }), now: 2_000 });
    s = reduceChat(s, { type: "open", conversationId: "c2" });
    expect(s.found).toBeUndefined();
  });
});
