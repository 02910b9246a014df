import { toBinary } from "@bufbuild/protobuf";
import { BinaryWriter } from "@bufbuild/protobuf/wire";
import { type ServerFrame, ServerFrameSchema } from "@chat/gen/chat/v1/live_pb.js";
import type { Message } from "@chat/gen/chat/v1/message_pb.js";
import { encodeHotFrameDelimited } from "./hot-frame-encoder.ts";

/**
 * The encoded `ServerFrame{message}` of each live Message object, length-prefixed (a varint, as a
 * length-delimited field's data is): entries go with the message. A live message is one object
 * handed to every member's stream on a node, and to the broker for the members on other nodes, so
 * it is encoded once per node: the broker envelope and every stream's response copy these bytes.
 */
const delimitedMessages = new WeakMap<Message, Uint8Array>();
/**
 * The same for a keep-alive frame object, which the heartbeat sweep hands to every idle stream at
 * once (as many frames as heartbeats arrive): encoded once per sweep, not once per stream.
 */
const delimitedKeepAlives = new WeakMap<ServerFrame, Uint8Array>();

/**
 * A frame's bytes, length-prefixed (varint) as a length-delimited field's data must be; cached for a
 * live message frame (a `message` without request id), which many streams share. The hot frames
 * (ACK, text message, receipt) are encoded by hand, the others by protobuf-es.
 */
export function delimitedFrameBytes(frame: ServerFrame): Uint8Array {
  if (frame.frame.case === "keepAlive") {
    let bytes = delimitedKeepAlives.get(frame);
    if (!bytes) delimitedKeepAlives.set(frame, (bytes = new BinaryWriter().bytes(toBinary(ServerFrameSchema, frame)).finish()));
    return bytes;
  }
  const shared = sharedMessage(frame);
  let bytes = shared && delimitedMessages.get(shared);
  if (!bytes) {
    bytes = encodeHotFrameDelimited(frame) ?? new BinaryWriter().bytes(toBinary(ServerFrameSchema, frame)).finish();
    if (shared) delimitedMessages.set(shared, bytes);
  }
  return bytes;
}

/** A frame's bytes (`toBinary`), without the length prefix: a view of {@link delimitedFrameBytes}. */
export function frameBytes(frame: ServerFrame): Uint8Array {
  const delimited = delimitedFrameBytes(frame);
  return delimited.subarray(varintSize(delimited));
}

/**
 * Notes that `frame` was decoded from `bytes`, so that a live message received from another node is
 * written to this node's streams as the bytes it came in, not encoded again (decoding and
 * re-encoding each cross-node delivery was most of a node's protobuf cost). The bytes are copied:
 * the caller's buffer may be a view of a reused read buffer.
 */
export function adoptFrameBytes(frame: ServerFrame, bytes: Uint8Array): void {
  const shared = sharedMessage(frame);
  if (!shared || delimitedMessages.has(shared)) return;
  const prefix = new BinaryWriter().uint32(bytes.byteLength).finish();
  const delimited = new Uint8Array(prefix.byteLength + bytes.byteLength);
  delimited.set(prefix, 0);
  delimited.set(bytes, prefix.byteLength);
  delimitedMessages.set(shared, delimited);
}

function sharedMessage(frame: ServerFrame): Message | undefined {
  return frame.frame.case === "message" && frame.requestId === "" ? frame.frame.value : undefined;
}

/** Bytes taken by the varint at the start of `bytes`. */
function varintSize(bytes: Uint8Array): number {
  let n = 0;
  while (n < bytes.byteLength && (bytes[n]! & 0x80) !== 0) n++;
  return n + 1;
}
