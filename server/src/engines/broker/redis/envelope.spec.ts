import { create, toBinary } from "@bufbuild/protobuf";
import { ServerFrameSchema } from "@chat/gen/chat/v1/live_pb.js";
import { describe, expect, it } from "vitest";
import { frameBytes } from "../frame-bytes.ts";
import { decodeDeliveries, encodeDeliveries } from "./envelope.ts";

describe("broker envelope", () => {
  const frame = create(ServerFrameSchema, { frame: { case: "typing", value: { conversationId: "c", userId: "ü", typing: true } } });
  const bytes = encodeDeliveries([{ userIds: ["ü", "v"], frame }, { userIds: [], frame }]);

  it("round-trips a batch", () => {
    expect(decodeDeliveries(bytes)).toEqual([{ userIds: ["ü", "v"], frame }, { userIds: [], frame }]);
    expect(decodeDeliveries(encodeDeliveries([]))).toEqual([]);
  });

  it("carries each delivery's traceparent, and keeps the untraced bytes of the previous release", () => {
    const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    const traced = [{ userIds: ["u"], frame, traceparent }, { userIds: [], frame }];
    expect(decodeDeliveries(encodeDeliveries(traced))).toEqual(traced);
    // The previous release wrote: count, per delivery userCount, (length, id)*, length, frame.
    const frameBytes = toBinary(ServerFrameSchema, frame);
    const word = (n: number) => Buffer.from([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
    const previous = Buffer.concat([word(1), word(1), word(1), Buffer.from("u"), word(frameBytes.length), frameBytes]);
    expect(encodeDeliveries([{ userIds: ["u"], frame }])).toEqual(previous);
    expect(() => decodeDeliveries(encodeDeliveries(traced).subarray(0, 40))).toThrow(/truncated/);
  });

  it("refuses truncated or overlong input rather than deliver part of a batch", () => {
    for (const cut of [1, 4, 9, bytes.length - 1]) expect(() => decodeDeliveries(bytes.subarray(0, cut))).toThrow(/truncated/);
    expect(() => decodeDeliveries(Buffer.concat([bytes, Buffer.from([0])]))).toThrow(/past its end/);
  });

  it("passes a live message's bytes through to this node's streams, copied out of the payload", () => {
    // Two frames' bytes back to back decode as one (a message field seen twice merges), which a
    // re-encoding would write as one field: the bytes a stream gets show whether they were re-encoded.
    const part = (value: { conversationId?: string; seq?: bigint }) => toBinary(ServerFrameSchema, create(ServerFrameSchema, { frame: { case: "message", value } }));
    const received = Buffer.concat([part({ conversationId: "c" }), part({ seq: 5n })]);
    const word = (n: number) => Buffer.from([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
    const payload = Buffer.concat([word(1), word(1), word(1), Buffer.from("u"), word(received.length), received]);
    const [delivery] = decodeDeliveries(payload);
    const message = delivery!.frame.frame.case === "message" ? delivery!.frame.frame.value : undefined;
    expect([message?.conversationId, message?.seq]).toEqual(["c", 5n]);
    payload.fill(0); // a reused read buffer
    expect(Buffer.from(frameBytes(delivery!.frame))).toEqual(received);
    expect(Buffer.from(frameBytes(delivery!.frame))).not.toEqual(Buffer.from(toBinary(ServerFrameSchema, delivery!.frame)));
  });
});
