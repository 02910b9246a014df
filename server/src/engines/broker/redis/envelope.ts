import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { ServerFrameSchema } from "@chat/gen/chat/v1/live_pb.js";
import type { Delivery } from "../interface.ts";

/**
 * The bytes of one publish: a batch of deliveries, each its recipients and its frame in Protobuf
 * binary. Layout, lengths as unsigned 32-bit big-endian:
 *
 *     count, then per delivery: userCount, (length, UTF-8 user id) * userCount, length, frame bytes
 *
 * Hand-rolled rather than a Protobuf message because it is internal to the cluster and carries the
 * frame as the bytes the client will get, with no wrapping message to keep in step with the API.
 */
export function encodeDeliveries(deliveries: readonly Delivery[]): Buffer {
  const parts: Uint8Array[] = [u32(deliveries.length)];
  for (const d of deliveries) {
    parts.push(u32(d.userIds.length));
    for (const id of d.userIds) parts.push(...lengthPrefixed(Buffer.from(id, "utf8")));
    parts.push(...lengthPrefixed(toBinary(ServerFrameSchema, d.frame)));
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
  for (let i = count(); i > 0; i--) {
    const userIds: string[] = [];
    for (let j = count(); j > 0; j--) userIds.push(take(count()).toString("utf8"));
    deliveries.push({ userIds, frame: fromBinary(ServerFrameSchema, take(count())) });
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
