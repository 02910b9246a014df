import { toBinary } from "@bufbuild/protobuf";
import { BinaryWriter } from "@bufbuild/protobuf/wire";
import { type ServerFrame, ServerFrameSchema } from "@chat/gen/chat/v1/live_pb.js";
import { encodeHotFrameDelimited } from "./hot-frame-encoder.ts";

/**
 * The encoded bytes of each frame that many streams share, length-prefixed (a varint, as a
 * length-delimited field's data is), keyed by the shared object (see {@link sharedFrameKey}): entries go
 * with it. A live message is one object handed to every member's stream on a node, and to the broker
 * for the members on other nodes; the heartbeat sweep hands one keep-alive frame to every idle
 * stream. Each is encoded once per node: the broker envelope and every stream's response copy these bytes.
 */
const delimitedShared = new WeakMap<object, Uint8Array>();

/**
 * A frame's bytes, length-prefixed (varint) as a length-delimited field's data must be; cached for a
 * frame many streams share (a live message, a sweep's keep-alive). The hot frames (ACK, text message,
 * receipt) are encoded by hand, the others by protobuf-es.
 */
export function delimitedFrameBytes(frame: ServerFrame): Uint8Array {
  const shared = sharedFrameKey(frame);
  let bytes = shared && delimitedShared.get(shared);
  if (!bytes) {
    bytes = encodeHotFrameDelimited(frame) ?? new BinaryWriter().bytes(toBinary(ServerFrameSchema, frame)).finish();
    if (shared) delimitedShared.set(shared, bytes);
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
  const shared = sharedFrameKey(frame);
  if (!shared || delimitedShared.has(shared)) return;
  const prefix = new BinaryWriter().uint32(bytes.byteLength).finish();
  const delimited = new Uint8Array(prefix.byteLength + bytes.byteLength);
  delimited.set(prefix, 0);
  delimited.set(bytes, prefix.byteLength);
  delimitedShared.set(shared, delimited);
}

/**
 * What a frame shared by many streams is cached under: a live message's Message, a keep-alive frame
 * itself; undefined for a frame answering one request (an ACK, an error: it has a request id) and the rest.
 */
export function sharedFrameKey(frame: ServerFrame): object | undefined {
  if (frame.requestId !== "") return undefined;
  if (frame.frame.case === "message") return frame.frame.value;
  return frame.frame.case === "keepAlive" ? frame : undefined;
}

/** Bytes taken by the varint at the start of `bytes`. */
function varintSize(bytes: Uint8Array): number {
  let n = 0;
  while (n < bytes.byteLength && (bytes[n]! & 0x80) !== 0) n++;
  return n + 1;
}
