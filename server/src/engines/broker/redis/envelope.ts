import { fromBinary } from "@bufbuild/protobuf";
import { ServerFrameSchema } from "@chat/gen/chat/v1/live_pb.js";
import { FrameReader, FrameWriter } from "../../binary-frame.ts";
import { adoptFrameBytes, frameBytes } from "../frame-bytes.ts";
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
  const out = new FrameWriter();
  if (traced) out.u32(tracedMark);
  out.u32(deliveries.length);
  for (const d of deliveries) {
    out.u32(d.userIds.length);
    for (const id of d.userIds) out.str(id);
    out.bytes(frameBytes(d.frame)); // a live message's bytes, encoded once for this node's streams too
    if (traced) out.str(d.traceparent ?? "");
  }
  return out.finish();
}

/** Reads what {@link encodeDeliveries} wrote; throws on truncated or malformed input. */
export function decodeDeliveries(bytes: Uint8Array): Delivery[] {
  const input = new FrameReader(bytes);
  const deliveries: Delivery[] = [];
  let first = input.u32();
  const traced = first === tracedMark;
  if (traced) first = input.u32();
  for (let i = first; i > 0; i--) {
    const userIds: string[] = [];
    for (let j = input.u32(); j > 0; j--) userIds.push(input.str());
    const bytes = input.bytes();
    const frame = fromBinary(ServerFrameSchema, bytes);
    adoptFrameBytes(frame, bytes); // the streams here write these bytes as they are
    const delivery: Delivery = { userIds, frame };
    const traceparent = traced ? input.str() : "";
    deliveries.push(traceparent ? { ...delivery, traceparent } : delivery);
  }
  input.end();
  return deliveries;
}
