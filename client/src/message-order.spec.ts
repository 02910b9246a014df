import { Direction, type Message } from "@chat/gen/chat/v1/message_pb.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MessageOrder } from "./message-order.ts";
import { TestServer, until } from "../test/test-server.ts";

let server: TestServer;
beforeAll(async () => {
  server = await TestServer.start();
});
afterAll(async () => {
  await server.dispose();
});

describe("MessageOrder", () => {
  it("drops duplicates, and fills a gap from real history before handing out what came ahead", async () => {
    const alice = await server.user("gapalice");
    await server.user("gapbob");
    const { conversation } = await alice.clients.conversations.getOrCreateDirect({ username: "gapbob" });
    const conversationId = conversation!.id;
    for (let i = 1; i <= 8; i++) await alice.clients.live.sendMessage({ conversationId, clientMessageId: `g${i}`, text: `g${i}` });
    const stored = (await alice.clients.history.listMessages({ conversationId, direction: Direction.FORWARD, limit: 10 })).messages;

    const shown: Message[] = [];
    const order = new MessageOrder({
      deliver: (m) => shown.push(m),
      fetchAfter: async (id, afterSeq, limit) =>
        (await alice.clients.history.listMessages({ conversationId: id, anchorSeq: afterSeq, direction: Direction.FORWARD, limit })).messages,
    });
    order.seed(conversationId, 2n);
    order.offer(stored[1]!); // seq 2: already shown
    order.offer(stored[2]!); // seq 3: next
    order.offer(stored[5]!); // seq 6: gap 4..5, read from history
    order.offer(stored[6]!); // seq 7: held behind the gap
    await until("the gap is filled", () => shown.length === 5);
    order.offer(stored[4]!); // seq 5 again, live and late: a duplicate now
    order.offer(stored[7]!); // seq 8
    expect(shown.map((m) => Number(m.seq))).toEqual([3, 4, 5, 6, 7, 8]);
    expect(order.cursor(conversationId)).toBe(8n);
  });

  it("starts a conversation without a cursor at its first message, and forgets on request", async () => {
    const shown: bigint[] = [];
    const order = new MessageOrder({ deliver: (m) => shown.push(m.seq), fetchAfter: () => Promise.reject(new Error("no history needed")) });
    const msg = (seq: bigint) => ({ conversationId: "c", seq }) as Message;
    order.offer(msg(41n));
    order.offer(msg(42n));
    order.offer(msg(41n));
    expect(shown).toEqual([41n, 42n]);
    order.forget("c");
    expect(order.cursor("c")).toBeUndefined();
    expect(order.cursors()).toEqual([]);
  });
});
