import { create, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { type ServerFrame, ServerFrameSchema, type StreamResponseSchema, type SubscribeResponseSchema } from "@chat/gen/chat/v1/live_pb.js";
import type { Message } from "@chat/gen/chat/v1/message_pb.js";

/** The responses of LiveService's two streaming calls: a `frame` (field 1) each. */
export type FrameResponseSchema = typeof StreamResponseSchema | typeof SubscribeResponseSchema;

/**
 * Encoded `ServerFrame{message}` per live Message object, length-prefixed as an unknown
 * length-delimited field's data must be; entries go with the message.
 */
const encodedMessages = new WeakMap<Message, Uint8Array>();

/**
 * The response that carries one server frame on a stream (StreamResponse or SubscribeResponse, whose
 * `frame` is field 1 in both).
 *
 * A live message is one Message object handed to the streams of every member: encoding it again for
 * each of them was the largest single cost of a group delivery (toBinary was 13% of the server's CPU
 * at 40,000 deliveries/s, 100 members a group). So a message frame is encoded once, and each
 * stream's response carries those bytes as field 1 through protobuf-es's unknown fields, which
 * `toBinary` writes out verbatim: the bytes on the wire are exactly those of `{ frame }`.
 */
export function frameResponse<S extends FrameResponseSchema>(schema: S, frame: ServerFrame): MessageInitShape<S> {
  if (frame.frame.case !== "message" || frame.requestId !== "") return { frame } as MessageInitShape<S>;
  const message = frame.frame.value;
  let bytes = encodedMessages.get(message);
  if (!bytes) {
    bytes = new BinaryWriter().bytes(toBinary(ServerFrameSchema, frame)).finish();
    encodedMessages.set(message, bytes);
  }
  const response = create(schema as FrameResponseSchema);
  response.$unknown = [{ no: 1, wireType: WireType.LengthDelimited, data: bytes }];
  return response as MessageInitShape<S>;
}
