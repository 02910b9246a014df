import type { ReadState } from "@chat/gen/chat/v1/conversation_pb.js";
import type { ReceiptEvent, SendMessageResponse, ServerFrame } from "@chat/gen/chat/v1/live_pb.js";
import type { Mention, Message, TextContent } from "@chat/gen/chat/v1/message_pb.js";
import type { Timestamp } from "@bufbuild/protobuf/wkt";

/**
 * A hand-written encoder for the frames every send makes (the ACK, the text message, the receipt),
 * because protobuf-es's reflective `toBinary` was the event loop's largest cost of our own at direct
 * 2,500 msg/s (≈ 6 % of the main thread's samples, a third of it `BinaryWriter.ensureCapacity`
 * growing its chunks): here one exact-size buffer, tags as constants, no writer object.
 *
 * The bytes are exactly `toBinary`'s (fields in declaration order, proto3 zero values omitted, message
 * fields written when set, even empty), checked against protobuf-es on random frames
 * (hot-frame-encoder.spec.ts). Anything it does not know byte for byte (another frame kind or
 * content, a reply preview, reactions, unknown fields, a negative or huge integer) makes it answer
 * `undefined`, and the caller falls back to `toBinary`.
 */
export function encodeHotFrameDelimited(frame: ServerFrame): Uint8Array | undefined {
  const size = frameSize(frame);
  if (size < 0) return undefined;
  // From Node's shared pool (every byte is written below): these live only while their frame is queued.
  const out = Buffer.allocUnsafe(varintSize(size) + size);
  const end = writeFrame(out, writeVarint(out, 0, size), frame);
  if (end !== out.length) throw new Error(`hot frame encoder wrote ${end} of ${out.length} bytes`); // a bug, not an input
  return out;
}

/** Nothing here may be bigger than this (a varint of up to 2^53 - 1 is exact in a double). */
const maxSafe = BigInt(Number.MAX_SAFE_INTEGER);
const unsupported = -1;

// Each `xxxSize` returns the encoded size of a message's body, or `unsupported`; each `writeXxx`
// writes it at `at` (its size known and checked) and returns where it ended.

function frameSize(f: ServerFrame): number {
  if (hasUnknown(f)) return unsupported;
  let body: number;
  switch (f.frame.case) {
    case "ack": body = ackSize(f.frame.value); break;
    case "message": body = messageSize(f.frame.value); break;
    case "receipt": body = receiptSize(f.frame.value); break;
    default: return unsupported;
  }
  return body < 0 ? unsupported : stringField(f.requestId) + 1 + varintSize(body) + body;
}

function writeFrame(b: Buffer, at: number, f: ServerFrame): number {
  at = writeString(b, at, 0x0a, f.requestId);
  switch (f.frame.case) {
    case "ack": return writeAck(b, writeHeader(b, at, 0x1a, ackSize(f.frame.value)), f.frame.value);
    case "message": return writeMessage(b, writeHeader(b, at, 0x22, messageSize(f.frame.value)), f.frame.value);
    case "receipt": return writeReceipt(b, writeHeader(b, at, 0x2a, receiptSize(f.frame.value)), f.frame.value);
    default: throw new Error("unreachable: frameSize refused this frame");
  }
}

function ackSize(a: SendMessageResponse): number {
  if (hasUnknown(a)) return unsupported;
  return sum(stringField(a.conversationId), stringField(a.clientMessageId), uint64Field(a.seq), timestampField(a.sentAt));
}

function writeAck(b: Buffer, at: number, a: SendMessageResponse): number {
  at = writeString(b, at, 0x0a, a.conversationId);
  at = writeString(b, at, 0x12, a.clientMessageId);
  at = writeUint64(b, at, 0x18, a.seq);
  return writeTimestamp(b, at, 0x22, a.sentAt);
}

function messageSize(m: Message): number {
  if (hasUnknown(m) || m.replyPreview !== undefined || m.reactions.length > 0) return unsupported;
  const content = m.content.case === "textContent" ? messageField(textContentSize(m.content.value)) : m.content.case === undefined ? 0 : unsupported;
  return sum(
    stringField(m.conversationId), uint64Field(m.seq), stringField(m.senderId), stringField(m.clientMessageId), stringField(m.text),
    timestampField(m.sentAt), content, timestampField(m.editedAt), timestampField(m.deletedAt), uint64Field(m.replyToSeq),
  );
}

function writeMessage(b: Buffer, at: number, m: Message): number {
  at = writeString(b, at, 0x0a, m.conversationId);
  at = writeUint64(b, at, 0x10, m.seq);
  at = writeString(b, at, 0x1a, m.senderId);
  at = writeString(b, at, 0x22, m.clientMessageId);
  at = writeString(b, at, 0x2a, m.text);
  at = writeTimestamp(b, at, 0x32, m.sentAt);
  if (m.content.case === "textContent") at = writeTextContent(b, writeHeader(b, at, 0x3a, textContentSize(m.content.value)), m.content.value);
  at = writeTimestamp(b, at, 0x5a, m.editedAt);
  at = writeTimestamp(b, at, 0x62, m.deletedAt);
  return writeUint64(b, at, 0x68, m.replyToSeq);
}

function textContentSize(t: TextContent): number {
  if (hasUnknown(t)) return unsupported;
  let size = stringField(t.text);
  for (const mention of t.mentions) {
    if (hasUnknown(mention)) return unsupported;
    size += messageField(mentionSize(mention));
  }
  return size;
}

function writeTextContent(b: Buffer, at: number, t: TextContent): number {
  at = writeString(b, at, 0x0a, t.text);
  for (const mention of t.mentions) {
    at = writeHeader(b, at, 0x12, mentionSize(mention));
    at = writeString(b, at, 0x0a, mention.userId);
    if (mention.all) at = writeBool(b, at, 0x10);
  }
  return at;
}

function mentionSize(m: Mention): number {
  return stringField(m.userId) + (m.all ? 2 : 0);
}

function receiptSize(r: ReceiptEvent): number {
  if (hasUnknown(r)) return unsupported;
  return sum(stringField(r.conversationId), r.state === undefined ? 0 : messageField(readStateSize(r.state)));
}

function writeReceipt(b: Buffer, at: number, r: ReceiptEvent): number {
  at = writeString(b, at, 0x0a, r.conversationId);
  if (r.state === undefined) return at;
  at = writeHeader(b, at, 0x12, readStateSize(r.state));
  at = writeString(b, at, 0x0a, r.state.userId);
  at = writeUint64(b, at, 0x10, r.state.deliveredSeq);
  return writeUint64(b, at, 0x18, r.state.readSeq);
}

function readStateSize(s: ReadState): number {
  if (hasUnknown(s)) return unsupported;
  return sum(stringField(s.userId), uint64Field(s.deliveredSeq), uint64Field(s.readSeq));
}

// --- fields ---

/** A message's unknown fields are written after its known ones by toBinary: left to it. */
function hasUnknown(m: { $unknown?: unknown[] }): boolean {
  return m.$unknown !== undefined && m.$unknown.length > 0;
}

/** The sum of field sizes, or `unsupported` when any is. */
function sum(...sizes: number[]): number {
  let total = 0;
  for (const s of sizes) {
    if (s < 0) return unsupported;
    total += s;
  }
  return total;
}

/** Tag + length + body of a nested message whose body is `size` (tags here are all one byte). */
function messageField(size: number): number {
  return size < 0 ? unsupported : 1 + varintSize(size) + size;
}

function stringField(s: string): number {
  if (s === "") return 0;
  const n = Buffer.byteLength(s, "utf8"); // counts a lone surrogate as U+FFFD's 3 bytes, as TextEncoder writes it
  return 1 + varintSize(n) + n;
}

function uint64Field(v: bigint): number {
  if (typeof v !== "bigint" || v < 0n || v > maxSafe) return unsupported;
  return v === 0n ? 0 : 1 + varintSize(Number(v));
}

function timestampField(t: Timestamp | undefined): number {
  if (t === undefined) return 0;
  if (hasUnknown(t) || typeof t.seconds !== "bigint" || t.seconds < 0n || t.seconds > maxSafe) return unsupported;
  if (!Number.isInteger(t.nanos) || t.nanos < 0 || t.nanos > 0x7fffffff) return unsupported;
  return messageField(timestampSize(t));
}

function timestampSize(t: Timestamp): number {
  return (t.seconds === 0n ? 0 : 1 + varintSize(Number(t.seconds))) + (t.nanos === 0 ? 0 : 1 + varintSize(t.nanos));
}

function writeHeader(b: Buffer, at: number, tag: number, size: number): number {
  b[at] = tag;
  return writeVarint(b, at + 1, size);
}

function writeString(b: Buffer, at: number, tag: number, s: string): number {
  if (s === "") return at;
  const n = Buffer.byteLength(s, "utf8");
  at = writeHeader(b, at, tag, n);
  return at + b.write(s, at, n, "utf8");
}

function writeUint64(b: Buffer, at: number, tag: number, v: bigint): number {
  if (v === 0n) return at;
  b[at] = tag;
  return writeVarint(b, at + 1, Number(v));
}

function writeBool(b: Buffer, at: number, tag: number): number {
  b[at] = tag;
  b[at + 1] = 1;
  return at + 2;
}

function writeTimestamp(b: Buffer, at: number, tag: number, t: Timestamp | undefined): number {
  if (t === undefined) return at;
  at = writeHeader(b, at, tag, timestampSize(t));
  if (t.seconds !== 0n) at = writeVarint(b, writeTag(b, at, 0x08), Number(t.seconds));
  if (t.nanos !== 0) at = writeVarint(b, writeTag(b, at, 0x10), t.nanos);
  return at;
}

function writeTag(b: Buffer, at: number, tag: number): number {
  b[at] = tag;
  return at + 1;
}

/** Bytes of a varint of a non-negative integer below 2^53. */
function varintSize(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 0x80);
    n++;
  }
  return n;
}

function writeVarint(b: Buffer, at: number, v: number): number {
  while (v >= 0x80) {
    b[at++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  b[at++] = v;
  return at;
}
