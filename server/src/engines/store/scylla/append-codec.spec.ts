import { describe, expect, it } from "vitest";
import { decodeReplies, decodeRequests, encodeReplies, encodeRequests, type ReplyBatch, type RequestBatch } from "./append-codec.ts";

describe("append route codec", () => {
  const message = { conversationId: "c1", senderId: "ü", clientMessageId: "m1", text: "hello 👋", sentAt: new Date(1_764_000_000_123) };
  const requests: RequestBatch = { from: "node-1", incarnation: 4_000_000_000, requests: [
    { id: 1, message, traceparent: "" },
    { id: 4_294_967_295, message: { ...message, text: "" }, traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" },
    { id: 5, message: { ...message, countable: false }, traceparent: "" },
    { id: 6, message: { ...message, mentions: { userIds: ["u1", "ü2"], all: true } }, traceparent: "" },
    { id: 7, message: { ...message, mentions: { userIds: [], all: true } }, traceparent: "" },
  ] };
  const replies: ReplyBatch = { incarnation: 7, replies: [
    { id: 1, ok: true, seq: 2 ** 40, sentAt: 1_764_000_000_123, duplicate: true, leaseLeftMs: 4_321 },
    { id: 2, ok: false, kind: "notOwner", error: "not mine" },
    { id: 3, ok: false, kind: "unavailable", error: "" },
    { id: 4, ok: false, kind: "failed", error: "bad" },
    { id: 5, ok: false, kind: "refused", error: "deleted" },
  ] };

  it("round-trips request and reply batches", () => {
    expect(decodeRequests(encodeRequests(requests))).toEqual(requests);
    expect(decodeReplies(encodeReplies(replies))).toEqual(replies);
    expect(decodeReplies(encodeReplies({ incarnation: 0, replies: [] }))).toEqual({ incarnation: 0, replies: [] });
  });

  it("round-trips the rich fields: content, reply, and each kind of change", () => {
    const at = new Date(1_764_000_000_456);
    const content = Uint8Array.of(1, 2, 3);
    const rich: RequestBatch = { from: "n", incarnation: 1, requests: [
      { id: 1, message: { ...message, content, replyToSeq: 7 }, traceparent: "" },
      { id: 2, message: { ...message, text: "", change: { kind: "edit", targetSeq: 3, text: "new", content, at } }, traceparent: "" },
      { id: 3, message: { ...message, text: "", change: { kind: "edit", targetSeq: 3, text: "new", content: undefined, at } }, traceparent: "" },
      { id: 4, message: { ...message, text: "", change: { kind: "delete", targetSeq: 2 ** 40, at } }, traceparent: "" },
      { id: 5, message: { ...message, text: "", change: { kind: "reaction", targetSeq: 1, emoji: "👍🏽", reacted: true, maxEmoji: 20 } }, traceparent: "" },
    ] };
    expect(decodeRequests(encodeRequests(rich))).toEqual(rich);
  });

  it("still reads the layout of the release before (0xa1, no rich fields)", () => {
    const bytes = encodeRequests(requests);
    // The old layout is the new one without the three trailing fields per request.
    const old = Buffer.from(encodeRequests({ ...requests, requests: [] }));
    old[0] = 0xa1;
    expect(decodeRequests(old)).toEqual({ ...requests, requests: [] });
    expect(bytes[0]).toBe(0xa3);
  });

  it("refuses the other kind, JSON, truncated or overlong payloads rather than act on part of one", () => {
    const bytes = encodeRequests(requests);
    expect(() => decodeReplies(bytes)).toThrow(/not an append reply/);
    expect(() => decodeRequests(encodeReplies(replies))).toThrow(/not an append request/);
    expect(() => decodeRequests(Buffer.from(JSON.stringify({ id: "x" })))).toThrow(/not an append request/);
    for (const cut of [1, 5, 20, bytes.length - 1]) expect(() => decodeRequests(bytes.subarray(0, cut))).toThrow(/truncated/);
    expect(() => decodeRequests(Buffer.concat([bytes, Buffer.of(0)]))).toThrow(/past its end/);
    const wrongKind = encodeReplies({ incarnation: 1, replies: [{ id: 1, ok: false, kind: "failed", error: "" }] });
    wrongKind[13] = 9; // the kind byte
    expect(() => decodeReplies(wrongKind)).toThrow(/unknown append reply kind 9/);
  });
});
