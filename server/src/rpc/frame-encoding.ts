import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { WireType } from "@bufbuild/protobuf/wire";
import type { ServerFrame, StreamResponseSchema, SubscribeResponseSchema } from "@chat/gen/chat/v1/live_pb.js";
import { delimitedFrameBytes as encoded, sharedFrameKey } from "../engines/broker/frame-bytes.ts";

/** The responses of LiveService's two streaming calls: a `frame` (field 1) or `frames` (field 2) each. */
export type FrameResponseSchema = typeof StreamResponseSchema | typeof SubscribeResponseSchema;

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
 * the reserve equal `toBinary` of what frameResponse returns; the reserve is zeroed.
 *
 * A response made only of frames that many streams share (live messages, a keep-alive) is made once
 * and its bytes handed to every stream whose turn brought it the same frames: the members of a
 * conversation get its messages in the same turns, so in a group each of a turn's responses is the
 * same for every member. A fresh `Uint8Array` per stream write was 5 % of the event loop's time at
 * 100,000 group deliveries a second (an ArrayBuffer each, allocated, zeroed and collected, for a
 * copy of bytes the other streams already had). Such bytes are shared: whoever fills in the reserve
 * must write what every stream writes there (the writer's prefix of an uncompressed message: flags
 * 0 and the length), and must not change the rest.
 */
export function encodeFrameResponse(batch: readonly ServerFrame[], reserve = 0): Uint8Array {
  const last = sharedFrameKey(batch[batch.length - 1]!);
  if (!last) return encodeResponse(batch, reserve);
  const made = sharedResponses.get(last);
  if (made && made.reserve === reserve && sameFrames(made.frames, batch)) return made.bytes;
  const frames = batch.map(sharedFrameKey);
  const bytes = encodeResponse(batch, reserve);
  if (frames.every((f) => f !== undefined)) sharedResponses.set(last, { frames, reserve, bytes });
  return bytes;
}

/**
 * The last response made of shared frames, kept with its last frame's shared object (so it goes
 * with it): the shared objects of its frames in order, and its bytes.
 */
const sharedResponses = new WeakMap<object, { frames: readonly (object | undefined)[]; reserve: number; bytes: Uint8Array }>();

function sameFrames(frames: readonly (object | undefined)[], batch: readonly ServerFrame[]): boolean {
  if (frames.length !== batch.length) return false;
  for (let i = 0; i < frames.length; i++) if (frames[i] !== sharedFrameKey(batch[i]!)) return false;
  return true;
}

function encodeResponse(batch: readonly ServerFrame[], reserve: number): Uint8Array {
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
