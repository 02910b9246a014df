import { create, fromBinary, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { type ServerFrame, ServerFrameSchema, StreamResponseSchema } from "@chat/gen/chat/v1/live_pb.js";
import { describe, expect, it } from "vitest";
import { type HotFrame, readStreamResponse } from "./hot-frame-decoder.ts";

type FrameInit = MessageInitShape<typeof ServerFrameSchema>;

/** What readStreamResponse hands on, each frame as the fields a device reads of it. */
function read(bytes: Uint8Array): (HotFrame | ServerFrame)[] {
  const out: (HotFrame | ServerFrame)[] = [];
  readStreamResponse(bytes, { hot: (f) => out.push(f), frame: (f) => out.push(f) });
  return out;
}

/** The same fields, from protobuf-es's full decode: what the reader must agree with. */
function expected(bytes: Uint8Array): (HotFrame | ServerFrame)[] {
  const { frame, frames } = fromBinary(StreamResponseSchema, bytes);
  return [...(frame ? [frame] : []), ...frames].map((f) => {
    const v = f.frame;
    if (f.requestId === "" && v.case === "message") {
      return { case: "message", conversationId: v.value.conversationId, seq: Number(v.value.seq), senderId: v.value.senderId, text: v.value.text };
    }
    if (f.requestId === "" && v.case === "ack") return { case: "ack", clientMessageId: v.value.clientMessageId };
    return f;
  });
}

const message: FrameInit = { frame: { case: "message", value: {
  conversationId: "c-1", seq: 12_345_678_901n, senderId: "u-é", clientMessageId: "m-1", text: "82353537790 héllo ✓",
  sentAt: { seconds: 1_700_000_000n, nanos: 5 }, content: { case: "textContent", value: { text: "82353537790 héllo ✓", mentions: [{ userId: "u-2" }] } },
  replyToSeq: 3n, replyPreview: { senderId: "u-3", text: "earlier", attachmentCount: 1 }, reactions: [{ emoji: "👍", userIds: ["u-4"] }],
} } };
const ack: FrameInit = { frame: { case: "ack", value: { conversationId: "c-1", clientMessageId: "82353537790.a0.7", seq: 9n, sentAt: { seconds: 1n } } } };
const others: FrameInit[] = [
  { requestId: "r-1", frame: { case: "ack", value: { clientMessageId: "x" } } }, // an answer to a frame with a request id
  { frame: { case: "ready", value: { deviceId: "d", userId: "u", heartbeatIntervalMs: 15_000 } } },
  { requestId: "connect", frame: { case: "resumeComplete", value: { cursors: [{ conversationId: "c-1", seq: 4n }] } } },
  { frame: { case: "error", value: { code: 5, message: "not found", clientMessageId: "m-2" } } },
  { frame: { case: "keepAlive", value: {} } },
  { frame: { case: "message", value: {} } }, // every field at its zero value
];

describe("readStreamResponse", () => {
  it("reads a lone frame (field 1) and a batch (field 2) as protobuf-es does, the hot frames by hand", () => {
    const lone = toBinary(StreamResponseSchema, create(StreamResponseSchema, { frame: message }));
    expect(read(lone)).toEqual(expected(lone));
    expect(read(lone)[0]).toEqual(expect.objectContaining({ case: "message", seq: 12_345_678_901, senderId: "u-é" }));
    const batch = toBinary(StreamResponseSchema, create(StreamResponseSchema, { frames: [message, ack, ...others, ack] }));
    const frames = read(batch);
    expect(frames).toEqual(expected(batch));
    expect(frames.filter((f) => "case" in f)).toHaveLength(4); // message, two ACKs, the empty message
  });

  it("hands a frame with a field it does not know to protobuf-es, unknown fields and all", () => {
    const frame = create(ServerFrameSchema, message);
    frame.$unknown = [{ no: 99, wireType: 0, data: new Uint8Array([1]) }];
    const bytes = toBinary(StreamResponseSchema, create(StreamResponseSchema, { frame }));
    const [read0] = read(bytes);
    expect(read0).toEqual(fromBinary(StreamResponseSchema, bytes).frame);
    expect((read0 as ServerFrame).$unknown).toHaveLength(1);
  });

  it("refuses truncated bytes instead of reading past them", () => {
    const bytes = toBinary(StreamResponseSchema, create(StreamResponseSchema, { frames: [message, ack] }));
    expect(() => read(bytes.subarray(0, bytes.length - 3))).toThrow();
  });
});
