import http2 from "node:http2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code } from "@connectrpc/connect";
import { ErrorCode } from "@chat/gen/chat/v1/live_pb.js";
import { type TestUser, clientsFor, codeOf, newId, openStream, registerUser, startNode, transportFor, streamPaths } from "./harness.ts";

describe.each(streamPaths)("bad input gets a precise error and harms nobody else ($path)", ({ args: pathArgs }) => {
  let server: Awaited<ReturnType<typeof startNode>>;
  let alice: TestUser, bob: TestUser, mallory: TestUser;
  let conv: string;

  beforeAll(async () => {
    server = await startNode({ args: [...pathArgs, "--outbox-frames", "64", "--heartbeat-interval-ms", "1000", "--heartbeat-timeout-ms", "4000"] });
    [alice, bob, mallory] = await Promise.all([registerUser(server, "alice"), registerUser(server, "bob"), registerUser(server, "mallory")]);
    conv = (await alice.clients.conversations.getOrCreateDirect({ userId: bob.id })).conversation!.id;
  });
  afterAll(async () => server?.close());

  const send = (u: TestUser, fields: { conversationId?: string; clientMessageId?: string; text?: string }) =>
    u.clients.live.sendMessage({ conversationId: conv, clientMessageId: newId(), text: "hi", ...fields });

  it("refuses malformed sends with InvalidArgument", async () => {
    expect(await codeOf(send(alice, { text: "" }))).toBe(Code.InvalidArgument);
    expect(await codeOf(send(alice, { text: " \n\t " }))).toBe(Code.InvalidArgument);
    expect(await codeOf(send(alice, { text: "x".repeat(64 * 1024 + 1) }))).toBe(Code.InvalidArgument);
    expect(await codeOf(send(alice, { text: "x".repeat(64 * 1024) }))).toBe("ok");
    expect(await codeOf(send(alice, { clientMessageId: "" }))).toBe(Code.InvalidArgument);
    expect(await codeOf(send(alice, { conversationId: "not-an-id" }))).toBe(Code.InvalidArgument);
    expect(await codeOf(send(alice, { conversationId: "" }))).toBe(Code.InvalidArgument);
  });

  it("refuses requests beyond the size limit with ResourceExhausted", async () => {
    expect(await codeOf(send(alice, { text: "x".repeat(2 * 1024 * 1024) }))).toBe(Code.ResourceExhausted);
  });

  it("answers unknown and foreign conversations alike with NotFound", async () => {
    expect(await codeOf(send(alice, { conversationId: crypto.randomUUID() }))).toBe(Code.NotFound);
    expect(await codeOf(send(mallory, {}))).toBe(Code.NotFound);
    expect(await codeOf(mallory.clients.history.listMessages({ conversationId: conv }))).toBe(Code.NotFound);
    expect(await codeOf(mallory.clients.conversations.getConversation({ conversationId: conv }))).toBe(Code.NotFound);
    expect(await codeOf(mallory.clients.live.markRead({ conversationId: conv, seq: 1n }))).toBe(Code.NotFound);
    expect(await codeOf(mallory.clients.live.setTyping({ conversationId: conv, typing: true }))).toBe(Code.NotFound);
  });

  it("refuses a receipt for a seq from the future", async () => {
    const ack = await send(alice, {});
    expect(await codeOf(bob.clients.live.markRead({ conversationId: conv, seq: ack.seq + 1n }))).toBe(Code.InvalidArgument);
    expect(await codeOf(bob.clients.live.markDelivered({ conversationId: conv, seq: 0n }))).toBe(Code.InvalidArgument);
    expect(await codeOf(bob.clients.live.markRead({ conversationId: conv, seq: ack.seq }))).toBe("ok");
  });

  it("refuses every call but register and login without a valid token", async () => {
    const anon = clientsFor(transportFor(server.url, "grpc"));
    const forged = clientsFor(transportFor(server.url, "grpc", "chat_forged"));
    expect(await codeOf(anon.conversations.listConversations({}))).toBe(Code.Unauthenticated);
    expect(await codeOf(forged.auth.whoAmI({}))).toBe(Code.Unauthenticated);
    const frames = async () => { for await (const _ of anon.live.stream((async function* () {})())) { /* no frame may arrive */ } };
    expect(await codeOf(frames())).toBe(Code.Unauthenticated);
  });

  it("answers bad stream frames with a FrameError and keeps the stream open", async () => {
    const s = await openStream(mallory);
    s.send({ requestId: "a", frame: { case: "send", value: { conversationId: conv, clientMessageId: newId(), text: "let me in" } } });
    s.send({ requestId: "b", frame: { case: "resume", value: { cursors: [{ conversationId: "bogus", seq: 1n }] } } });
    s.send({ requestId: "c", frame: { case: undefined } });
    const errors = await s.until(() => { const e = s.frames.filter((f) => f.frame.case === "error"); return e.length >= 3 && e; });
    expect(errors.map((f) => [f.requestId, f.frame.case === "error" && f.frame.value.code])).toEqual([
      ["a", ErrorCode.NOT_FOUND], ["b", ErrorCode.INVALID_ARGUMENT], ["c", ErrorCode.INVALID_ARGUMENT],
    ]);
    expect(s.ended).toBeUndefined();
    s.close();
  });

  it("disconnects a client that stops reading, with ResourceExhausted, while others get every message", async () => {
    const reader = await openStream(alice);
    // bob's device opens a gRPC stream over raw HTTP/2 and never reads: flow control backs up into
    // the server's outbox (64 frames in this test) until the server gives up on it.
    const session = http2.connect(server.url);
    const stalled = session.request({
      ":method": "POST", ":path": "/chat.v1.LiveService/Stream", "content-type": "application/grpc",
      te: "trailers", authorization: `Bearer ${bob.token}`,
    });
    stalled.pause();
    const reset = new Promise<number>((resolve) => stalled.on("close", () => resolve(stalled.rstCode ?? -1)));
    stalled.on("error", () => {});
    await reader.until(() => reader.of("presence").find((p) => p.userId === bob.id && p.online), 5_000, "bob's stream to open");
    const big = "y".repeat(16 * 1024);
    for (let i = 0; i < 200; i++) {
      // The reader keeps up (never more than 16 behind, well inside the 64): on a loaded machine a reader
      // in this process can lag the sends, and a reader that lags 64 frames is rightly cut off too.
      if (i >= 16) await reader.until(() => reader.of("message").length >= i - 16, 15_000, `the reader to get message ${i - 16}`);
      await send(alice, { text: big });
    }
    await reader.until(() => reader.of("message").length >= 200, 15_000, "the reading client to get all 200");
    expect(await reset).toBe(http2.constants.NGHTTP2_ENHANCE_YOUR_CALM); // gRPC: RESOURCE_EXHAUSTED
    expect([...server.chat.hub.ofUser(bob.id)]).toHaveLength(0);
    session.destroy();
    reader.close();
  });
});
