import { create } from "@bufbuild/protobuf";
import { ServerFrameSchema } from "@chat/gen/chat/v1/live_pb.js";
import { describe, expect, it } from "vitest";
import { decodeDeliveries, encodeDeliveries } from "./envelope.ts";

describe("broker envelope", () => {
  const frame = create(ServerFrameSchema, { frame: { case: "typing", value: { conversationId: "c", userId: "ü", typing: true } } });
  const bytes = encodeDeliveries([{ userIds: ["ü", "v"], frame }, { userIds: [], frame }]);

  it("round-trips a batch", () => {
    expect(decodeDeliveries(bytes)).toEqual([{ userIds: ["ü", "v"], frame }, { userIds: [], frame }]);
    expect(decodeDeliveries(encodeDeliveries([]))).toEqual([]);
  });

  it("refuses truncated or overlong input rather than deliver part of a batch", () => {
    for (const cut of [1, 4, 9, bytes.length - 1]) expect(() => decodeDeliveries(bytes.subarray(0, cut))).toThrow(/truncated/);
    expect(() => decodeDeliveries(Buffer.concat([bytes, Buffer.from([0])]))).toThrow(/past its end/);
  });
});
