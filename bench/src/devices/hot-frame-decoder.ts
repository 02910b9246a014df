import { fromBinary } from "@bufbuild/protobuf";
import { type ServerFrame, ServerFrameSchema } from "@chat/gen/chat/v1/live_pb.js";

/**
 * The fields of a live text message or an ACK that the scenarios use, read straight off the wire.
 * `seq` is a number: a double holds every seq below 2^53 exactly.
 */
export type HotFrame =
  | { case: "message"; conversationId: string; seq: number; senderId: string; text: string }
  | { case: "ack"; clientMessageId: string };

/** Where the frames of one StreamResponse go: the hot ones read by hand, the others decoded in full. */
export interface FrameSink {
  hot(frame: HotFrame): void;
  frame(frame: ServerFrame): void;
}

// Wire types (protobuf encoding): what a field's tag says about the bytes after it.
const varint = 0, fixed64 = 1, lengthDelimited = 2, fixed32 = 5;

/**
 * Reads one StreamResponse (its `frame`, field 1, or its `frames`, field 2: each a ServerFrame) and
 * hands each frame to `sink` in order. A live message or an ACK is read by hand ({@link HotFrame});
 * any other frame, and any frame with a field this reader does not expect, goes through protobuf-es.
 *
 * Why by hand: the load agents decoded every delivery with protobuf-es's reflective `fromBinary`
 * (about half of an agent's CPU at group 1,000 msg/s, 100,000 deliveries/s), and on a 2-core machine
 * the agents' CPU is taken from the server they measure: the server's event loop waited for a core.
 */
export function readStreamResponse(bytes: Uint8Array, sink: FrameSink): void {
  const r = new WireReader(bytes, 0, bytes.length);
  while (r.at < r.end) {
    const tag = r.varint();
    const field = tag >>> 3;
    if ((field === 1 || field === 2) && (tag & 7) === lengthDelimited) {
      const length = r.varint();
      if (r.at + length > r.end) throw new Error("truncated StreamResponse");
      readServerFrame(bytes, r.at, r.at + length, sink);
      r.at += length;
    } else {
      r.skip(tag & 7);
    }
  }
  if (r.at !== r.end) throw new Error("truncated StreamResponse");
}

/** One ServerFrame in `bytes[start, end)`: by hand when it is a plain message or ACK, else in full. */
function readServerFrame(bytes: Uint8Array, start: number, end: number, sink: FrameSink): void {
  const hot = readHot(new WireReader(bytes, start, end));
  if (hot) sink.hot(hot);
  else sink.frame(fromBinary(ServerFrameSchema, bytes.subarray(start, end)));
}

/** A ServerFrame with no request id whose only case is `message` or `ack`; undefined for anything else. */
function readHot(r: WireReader): HotFrame | undefined {
  let hot: HotFrame | undefined;
  while (r.at < r.end) {
    const tag = r.varint();
    if ((tag & 7) !== lengthDelimited) return undefined;
    const length = r.varint();
    if (r.at + length > r.end) throw new Error("truncated ServerFrame");
    const body = new WireReader(r.bytes, r.at, r.at + length);
    r.at += length;
    switch (tag >>> 3) {
      case 1: // request_id: an answer to a client frame (the ACK of a send has one only when its client set it)
        if (length > 0) return undefined;
        break;
      case 3: hot = readAck(body); break;
      case 4: hot = readMessage(body); break;
      default: return undefined;
    }
    if (!hot) return undefined;
  }
  return hot;
}

/** A SendMessageResponse: only its client_message_id (field 2) is used. */
function readAck(r: WireReader): HotFrame | undefined {
  let clientMessageId = "";
  while (r.at < r.end) {
    const tag = r.varint();
    if (tag === ((2 << 3) | lengthDelimited)) clientMessageId = r.string();
    else r.skip(tag & 7);
  }
  return { case: "ack", clientMessageId };
}

/** A Message: conversation_id (1), seq (2), sender_id (3), text (5); its other fields are skipped. */
function readMessage(r: WireReader): HotFrame | undefined {
  let conversationId = "", senderId = "", text = "", seq = 0;
  while (r.at < r.end) {
    const tag = r.varint();
    switch (tag) {
      case (1 << 3) | lengthDelimited: conversationId = r.string(); break;
      case (2 << 3) | varint: seq = r.varint(); break;
      case (3 << 3) | lengthDelimited: senderId = r.string(); break;
      case (5 << 3) | lengthDelimited: text = r.string(); break;
      default: r.skip(tag & 7);
    }
  }
  return { case: "message", conversationId, seq, senderId, text };
}

/** A cursor over protobuf wire bytes in `[at, end)`. */
class WireReader {
  readonly bytes: Uint8Array;
  at: number;
  readonly end: number;

  constructor(bytes: Uint8Array, at: number, end: number) {
    this.bytes = bytes;
    this.at = at;
    this.end = end;
  }

  /** An unsigned varint, exact below 2^53 (arithmetic, not 32-bit shifts, past the 4th byte). */
  varint(): number {
    let value = 0, scale = 1;
    for (;;) {
      if (this.at >= this.end) throw new Error("truncated varint");
      const b = this.bytes[this.at++]!;
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
      scale *= 128;
      if (scale > 2 ** 63) throw new Error("varint longer than 10 bytes");
    }
  }

  /** A length-delimited UTF-8 string. */
  string(): string {
    const length = this.varint();
    const start = this.at;
    this.at += length;
    if (this.at > this.end) throw new Error("truncated string");
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset + start, length).toString("utf8");
  }

  /** Skips a field's value of the given wire type. */
  skip(wireType: number): void {
    switch (wireType) {
      case varint: this.varint(); return;
      case fixed64: this.at += 8; return;
      case lengthDelimited: {
        const length = this.varint(); // read before `at` is (`at += varint()` would add to the old `at`)
        this.at += length;
        return;
      }
      case fixed32: this.at += 4; return;
      default: throw new Error(`wire type ${wireType} cannot be skipped`);
    }
  }
}
