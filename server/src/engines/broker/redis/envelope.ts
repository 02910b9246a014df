import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { ServerFrameSchema } from "@chat/gen/chat/v1/live_pb.js";
import type { Delivery } from "../interface.ts";

/**
 * Marks the traced layout: first word of a batch that carries trace context. As a count it would be
 * four billion deliveries, so a node of the previous release refuses the batch as truncated (and logs
 * it) rather than misreading it.
 */
const tracedMark = 0xffff_ffff;

/**
 * The bytes of one publish: a batch of deliveries, each its recipients and its frame in Protobuf
 * binary. Layout, lengths as unsigned 32-bit big-endian:
 *
 *     count, then per delivery: userCount, (length, UTF-8 user id) * userCount, length, frame bytes
 *
 * A batch in which some delivery carries a traceparent (tracing is on) starts with `tracedMark` and
 * adds `length, traceparent` (length 0: none) after each frame. Without one the bytes are exactly the
 * previous release's, so that nodes of both can share a cluster while tracing is off.
 *
 * Hand-rolled rather than a Protobuf message because it is internal to the cluster and carries the
 * frame as the bytes the client will get, with no wrapping message to keep in step with the API.
 */
export function encodeDeliveries(deliveries: readonly Delivery[]): Buffer {
  const traced = deliveries.some((d) => d.traceparent !== undefined);
  const parts: Uint8Array[] = traced ? [u32(tracedMark), u32(deliveries.length)] : [u32(deliveries.length)];
  for (const d of deliveries) {
    parts.push(u32(d.userIds.length));
    for (const id of d.userIds) parts.push(...lengthPrefixed(Buffer.from(id, "utf8")));
    parts.push(...lengthPrefixed(toBinary(ServerFrameSchema, d.frame)));
    if (traced) parts.push(...lengthPrefixed(Buffer.from(d.traceparent ?? "", "latin1")));
  }
  return Buffer.concat(parts);
}

/** Reads what {@link encodeDeliveries} wrote; throws on truncated or malformed input. */
export function decodeDeliveries(bytes: Uint8Array): Delivery[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  const take = (n: number): Buffer => {
    if (at + n > buf.length) throw new Error(`broker envelope truncated at byte ${at} of ${buf.length}`);
    at += n;
    return buf.subarray(at - n, at);
  };
  const count = () => take(4).readUInt32BE(0);
  const deliveries: Delivery[] = [];
  let first = count();
  const traced = first === tracedMark;
  if (traced) first = count();
  for (let i = first; i > 0; i--) {
    const userIds: string[] = [];
    for (let j = count(); j > 0; j--) userIds.push(take(count()).toString("utf8"));
    const delivery: Delivery = { userIds, frame: fromBinary(ServerFrameSchema, take(count())) };
    const traceparent = traced ? take(count()).toString("latin1") : "";
    deliveries.push(traceparent ? { ...delivery, traceparent } : delivery);
  }
  if (at !== buf.length) throw new Error(`broker envelope has ${buf.length - at} bytes past its end`);
  return deliveries;
}

function u32(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(n, 0);
  return b;
}

function lengthPrefixed(bytes: Uint8Array): [Buffer, Uint8Array] {
  return [u32(bytes.length), bytes];
}
