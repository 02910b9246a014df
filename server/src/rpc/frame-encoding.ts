import { create, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { type ServerFrame, ServerFrameSchema, type StreamResponseSchema, type SubscribeResponseSchema } from "@chat/gen/chat/v1/live_pb.js";
import type { Message } from "@chat/gen/chat/v1/message_pb.js";
import { encodeHotFrameDelimited } from "./hot-frame-encoder.ts";

/** The responses of LiveService's two streaming calls: a `frame` (field 1) or `frames` (field 2) each. */
export type FrameResponseSchema = typeof StreamResponseSchema | typeof SubscribeResponseSchema;

/**
 * Encoded `ServerFrame{message}` per live Message object, length-prefixed as an unknown
 * length-delimited field's data must be; entries go with the message.
 */
const encodedMessages = new WeakMap<Message, Uint8Array>();

/**
 * The response that carries server frames on a stream (StreamResponse or SubscribeResponse, whose
 * `frame` is field 1 and `frames` field 2 in both): one frame as `frame`, several as `frames`.
 *
 * A live message is one Message object handed to the streams of every member: encoding it again for
 * each of them was the largest single cost of a group delivery (toBinary was 13% of the server's CPU
 * at 40,000 deliveries/s, 100 members a group). So a message frame is encoded once, and each
 * stream's response carries those bytes through protobuf-es's unknown fields, which `toBinary`
 * writes out verbatim: the bytes on the wire are exactly those of `{ frame }` or `{ frames }`.
 */
export function frameResponse<S extends FrameResponseSchema>(schema: S, batch: readonly ServerFrame[]): MessageInitShape<S> {
  const field = batch.length === 1 ? 1 : 2;
  const response = create(schema as FrameResponseSchema);
  response.$unknown = batch.map((frame) => ({ no: field, wireType: WireType.LengthDelimited, data: encoded(frame) }));
  return response as MessageInitShape<S>;
}

/**
 * The same response as {@link frameResponse}, already encoded, behind `reserve` free bytes (the gRPC
 * fast path writes its 5-byte envelope prefix there): one allocation and one copy of each frame's
 * cached bytes, a tag byte before each (field 1 for one frame, field 2 for several). The bytes after
 * the reserve equal `toBinary` of what frameResponse returns.
 */
export function encodeFrameResponse(batch: readonly ServerFrame[], reserve = 0): Uint8Array {
  const tag = batch.length === 1 ? 0x0a : 0x12; // (field << 3) | length-delimited
  const parts = batch.map(encoded);
  let size = reserve + parts.length;
  for (const p of parts) size += p.byteLength;
  const out = new Uint8Array(size);
  let at = reserve;
  for (const p of parts) {
    out[at++] = tag;
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/**
 * A frame's bytes, length-prefixed as a length-delimited field's data must be; cached for live
 * messages. The hot frames (ACK, text message, receipt) by hand, the others by protobuf-es.
 */
function encoded(frame: ServerFrame): Uint8Array {
  const shared = frame.frame.case === "message" && frame.requestId === "" ? frame.frame.value : undefined;
  let bytes = shared && encodedMessages.get(shared);
  if (!bytes) {
    bytes = encodeHotFrameDelimited(frame) ?? new BinaryWriter().bytes(toBinary(ServerFrameSchema, frame)).finish();
    if (shared) encodedMessages.set(shared, bytes);
  }
  return bytes;
}
