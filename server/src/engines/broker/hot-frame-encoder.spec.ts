import { create, fromBinary, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { BinaryWriter } from "@bufbuild/protobuf/wire";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { DescMessage } from "@bufbuild/protobuf";
import { ReadStateSchema } from "@chat/gen/chat/v1/conversation_pb.js";
import { ReceiptEventSchema, SendMessageResponseSchema, ServerFrameSchema } from "@chat/gen/chat/v1/live_pb.js";
import { MentionSchema, MessageSchema, TextContentSchema } from "@chat/gen/chat/v1/message_pb.js";
import { encodeHotFrameDelimited } from "./hot-frame-encoder.ts";

// Any code point, lone surrogates included (TextEncoder writes those as U+FFFD), and some empties.
const text = fc.oneof(fc.constant(""), fc.string({ unit: "binary", maxLength: 40 }), fc.string({ unit: "grapheme", minLength: 100, maxLength: 300 }));
const inRange = fc.oneof(fc.constant(0n), fc.bigInt({ min: 1n, max: 300n }), fc.bigInt({ min: 0n, max: BigInt(Number.MAX_SAFE_INTEGER) }));
// Past 2^53 the encoder must step aside (and protobuf-es still encodes it).
const uint64 = fc.oneof({ arbitrary: inRange, weight: 9 }, { arbitrary: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), weight: 1 });
const timestamp = (seconds: fc.Arbitrary<bigint>) => fc.option(fc.record({ seconds, nanos: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 999_999_999 })) }), { nil: undefined });

type FrameInit = MessageInitShape<typeof ServerFrameSchema>;

const frame = (n: fc.Arbitrary<bigint>): fc.Arbitrary<FrameInit> => {
  const ack = fc.record({ conversationId: text, clientMessageId: text, seq: n, sentAt: timestamp(n) });
  const mention = fc.record({ userId: text, all: fc.boolean() });
  const content = fc.oneof(
    fc.constant({ case: undefined }),
    fc.record({ case: fc.constant("textContent" as const), value: fc.record({ text, mentions: fc.array(mention, { maxLength: 3 }) }) }),
  );
  const message = fc.record({
    conversationId: text, seq: n, senderId: text, clientMessageId: text, text, sentAt: timestamp(n), content,
    editedAt: timestamp(n), deletedAt: timestamp(n), replyToSeq: n,
  });
  const receipt = fc.record({ conversationId: text, state: fc.option(fc.record({ userId: text, deliveredSeq: n, readSeq: n }), { nil: undefined }) });
  const kind = fc.oneof(
    fc.record({ case: fc.constant("ack" as const), value: ack }),
    fc.record({ case: fc.constant("message" as const), value: message }),
    fc.record({ case: fc.constant("receipt" as const), value: receipt }),
  );
  return fc.record({ requestId: text, frame: kind }) as fc.Arbitrary<FrameInit>;
};

/** What frame-encoding.ts wrote before: protobuf-es's bytes, length-prefixed. */
const reference = (init: FrameInit) => new BinaryWriter().bytes(toBinary(ServerFrameSchema, create(ServerFrameSchema, init))).finish();

describe("encodeHotFrameDelimited", () => {
  it("writes exactly protobuf-es's bytes for random ACK, message and receipt frames, or steps aside", () => {
    fc.assert(fc.property(frame(uint64), (init) => {
      const bytes = encodeHotFrameDelimited(create(ServerFrameSchema, init));
      if (bytes) expect(Buffer.from(bytes).equals(Buffer.from(reference(init)))).toBe(true);
    }), { numRuns: 2000 });
  });

  it("encodes every hot frame whose integers fit in a double (it does not fall back needlessly)", () => {
    fc.assert(fc.property(frame(inRange), (init) => {
      const bytes = encodeHotFrameDelimited(create(ServerFrameSchema, init));
      expect(bytes && Buffer.from(bytes).equals(Buffer.from(reference(init)))).toBe(true);
    }), { numRuns: 1000 });
  });

  it("steps aside for what it does not write by hand: other frames, other content, replies' previews, reactions, unknown fields", () => {
    const message = { conversationId: "c", seq: 1n, senderId: "u", sentAt: { seconds: 1n } };
    const others: FrameInit[] = [
      { frame: { case: "keepAlive", value: {} } },
      { frame: { case: "typing", value: { conversationId: "c", userId: "u", typing: true } } },
      { frame: { case: "message", value: { ...message, content: { case: "systemEvent", value: {} } } } },
      { frame: { case: "message", value: { ...message, replyToSeq: 1n, replyPreview: { senderId: "u" } } } },
      { frame: { case: "message", value: { ...message, reactions: [{ emoji: "👍", count: 1 }] } } },
    ];
    for (const init of others) expect(encodeHotFrameDelimited(create(ServerFrameSchema, init))).toBeUndefined();
    const withUnknown = create(ServerFrameSchema, { frame: { case: "ack", value: { seq: 1n } } });
    withUnknown.$unknown = [{ no: 99, wireType: 0, data: new Uint8Array([1]) }];
    expect(encodeHotFrameDelimited(withUnknown)).toBeUndefined();
  });

  it("decodes back to the frame it encoded", () => {
    const init: FrameInit = { requestId: "r", frame: { case: "ack", value: { conversationId: "c", clientMessageId: "m", seq: 2n ** 40n, sentAt: { seconds: 1_700_000_000n, nanos: 7 } } } };
    const bytes = encodeHotFrameDelimited(create(ServerFrameSchema, init))!;
    expect(fromBinary(ServerFrameSchema, bytes.subarray(1))).toEqual(create(ServerFrameSchema, init));
  });

  it("knows every field of the messages it writes: a field added to one fails here until the encoder writes it or steps aside for it", () => {
    // Without this, a new field of Message (say) would be dropped from every live frame without a sound.
    const fields = (schema: DescMessage) => schema.fields.filter((f) => schema !== ServerFrameSchema || f.oneof === undefined).map((f) => `${f.number}:${f.name}`);
    expect(Object.fromEntries([ServerFrameSchema, SendMessageResponseSchema, ReceiptEventSchema, MessageSchema, TextContentSchema, MentionSchema, ReadStateSchema]
      .map((schema) => [schema.typeName, fields(schema)]))).toEqual({
      "chat.v1.ServerFrame": ["1:request_id"],
      "chat.v1.SendMessageResponse": ["1:conversation_id", "2:client_message_id", "3:seq", "4:sent_at"],
      "chat.v1.ReceiptEvent": ["1:conversation_id", "2:state"],
      "chat.v1.Message": ["1:conversation_id", "2:seq", "3:sender_id", "4:client_message_id", "5:text", "6:sent_at", "7:text_content", "8:attachment_content",
        "9:system_event", "10:update", "11:edited_at", "12:deleted_at", "13:reply_to_seq", "14:reply_preview", "15:reactions"],
      "chat.v1.TextContent": ["1:text", "2:mentions"],
      "chat.v1.Mention": ["1:user_id", "2:all"],
      "chat.v1.ReadState": ["1:user_id", "2:delivered_seq", "3:read_seq"],
    });
  });
});
