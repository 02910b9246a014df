import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { ServerFrameSchema, StreamResponseSchema, SubscribeResponseSchema } from "@chat/gen/chat/v1/live_pb.js";
import { MessageSchema } from "@chat/gen/chat/v1/message_pb.js";
import { delimitedFrameBytes } from "../engines/broker/frame-bytes.ts";
import { encodeFrameResponse, frameResponse } from "./frame-encoding.ts";

const message = create(MessageSchema, {
  conversationId: "0b7a2f5e-1c1d-4d6e-9f55-0a1b2c3d4e5f", seq: 42n, senderId: "5c1d7e2a-0000-4000-8000-000000000001",
  clientMessageId: "c-1", text: "hello, wörld", sentAt: { seconds: 1_700_000_000n, nanos: 5 },
});
const messageFrame = () => create(ServerFrameSchema, { frame: { case: "message", value: message } });

describe("frameResponse", () => {
  for (const schema of [StreamResponseSchema, SubscribeResponseSchema]) {
    it(`writes a message frame as the same bytes as { frame } (${schema.typeName})`, () => {
      const plain = toBinary(schema, create(schema, { frame: messageFrame() }));
      // Twice: the second call reuses the bytes encoded for the first stream.
      for (let i = 0; i < 2; i++) {
        const bytes = toBinary(schema, frameResponse(schema, [messageFrame()]) as never);
        expect(bytes).toEqual(plain);
        expect(fromBinary(schema, bytes).frame?.frame).toEqual({ case: "message", value: message });
      }
    });
  }

  it("writes any other frame as the same bytes as { frame }", () => {
    const ack = create(ServerFrameSchema, { requestId: "r1", frame: { case: "ack", value: { conversationId: message.conversationId, seq: 1n } } });
    const bytes = toBinary(StreamResponseSchema, frameResponse(StreamResponseSchema, [ack]) as never);
    expect(bytes).toEqual(toBinary(StreamResponseSchema, create(StreamResponseSchema, { frame: ack })));
  });

  it("writes several frames as the same bytes as { frames }, in order", () => {
    const ack = create(ServerFrameSchema, { requestId: "r1", frame: { case: "ack", value: { conversationId: message.conversationId, seq: 1n } } });
    const batch = [messageFrame(), ack, messageFrame()];
    const bytes = toBinary(SubscribeResponseSchema, frameResponse(SubscribeResponseSchema, batch) as never);
    expect(bytes).toEqual(toBinary(SubscribeResponseSchema, create(SubscribeResponseSchema, { frames: batch })));
    expect(fromBinary(SubscribeResponseSchema, bytes).frames.map((f) => f.frame.case)).toEqual(["message", "ack", "message"]);
  });
});

describe("encodeFrameResponse", () => {
  it("encodes one frame and several behind a reserve as toBinary does the same response", () => {
    const ack = create(ServerFrameSchema, { requestId: "r1", frame: { case: "ack", value: { conversationId: message.conversationId, seq: 1n } } });
    for (const batch of [[messageFrame()], [ack], [messageFrame(), ack, messageFrame()]]) {
      const bytes = encodeFrameResponse(batch, 5);
      expect(bytes.subarray(0, 5)).toEqual(new Uint8Array(5));
      expect(bytes.subarray(5)).toEqual(toBinary(StreamResponseSchema, frameResponse(StreamResponseSchema, batch) as never));
    }
  });
});

describe("a keep-alive frame handed to many streams", () => {
  it("is encoded once, as protobuf-es encodes it", () => {
    const keepAlive = create(ServerFrameSchema, { frame: { case: "keepAlive", value: {} } });
    const first = delimitedFrameBytes(keepAlive);
    expect(delimitedFrameBytes(keepAlive)).toBe(first); // the same bytes for the next stream
    expect(first.subarray(1)).toEqual(toBinary(ServerFrameSchema, keepAlive));
    expect(first[0]).toBe(first.byteLength - 1); // the length prefix
    const stream = fromBinary(StreamResponseSchema, encodeFrameResponse([keepAlive]));
    expect(stream.frame?.frame.case).toBe("keepAlive");
    // Its whole response too: every stream writes the same bytes, behind the same envelope prefix.
    const response = encodeFrameResponse([keepAlive], 5);
    expect(encodeFrameResponse([keepAlive], 5)).toBe(response);
    expect(response.subarray(5)).toEqual(toBinary(StreamResponseSchema, frameResponse(StreamResponseSchema, [keepAlive]) as never));
  });

  it("is made once for the streams whose turn brought the same shared frames, and anew for any other", () => {
    const live = messageFrame();
    expect(encodeFrameResponse([live], 5)).toBe(encodeFrameResponse([live], 5));
    const ack = create(ServerFrameSchema, { requestId: "r1", frame: { case: "ack", value: { conversationId: message.conversationId, seq: 1n } } });
    expect(encodeFrameResponse([ack], 5)).not.toBe(encodeFrameResponse([ack], 5));
    const other = create(ServerFrameSchema, { frame: { case: "message", value: { ...message, seq: 43n } } });
    // A turn's response of several live messages: the same for every member's stream.
    const several = encodeFrameResponse([live, other], 5);
    expect(encodeFrameResponse([messageFrame(), other], 5)).toBe(several);
    expect(several.subarray(5)).toEqual(toBinary(StreamResponseSchema, frameResponse(StreamResponseSchema, [live, other]) as never));
    // Another stream's turn brought it something else too: a response of its own.
    const withAck = encodeFrameResponse([ack, other], 5);
    expect(withAck).not.toBe(several);
    expect(withAck.subarray(5)).toEqual(toBinary(StreamResponseSchema, frameResponse(StreamResponseSchema, [ack, other]) as never));
    expect(encodeFrameResponse([other], 5)).not.toBe(several);
    expect(encodeFrameResponse([live, other], 0).subarray(0)).toEqual(several.subarray(5));
  });
});
