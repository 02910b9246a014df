#!/usr/bin/env node
import { create, toBinary } from "@bufbuild/protobuf";
import { BinaryWriter } from "@bufbuild/protobuf/wire";
import { type ServerFrame, ServerFrameSchema } from "@chat/gen/chat/v1/live_pb.js";
import { encodeHotFrameDelimited } from "../../server/src/engines/broker/hot-frame-encoder.ts";

/**
 * `node bench/src/frame-encode-cost.ts [rounds]`: ns per encoded frame of the two frames every direct
 * send makes (its ACK and the text message), by protobuf-es's `toBinary` (as frame-encoding.ts did
 * before) and by the hand-written encoder, alternating, each round 200,000 frames of each kind.
 */
const rounds = Number(process.argv[2] ?? 5);
const conversationId = "0b7a2f5e-1c1d-4d6e-9f55-0a1b2c3d4e5f";
const frames = (i: number): ServerFrame[] => [
  create(ServerFrameSchema, { requestId: `r${i}`, frame: { case: "ack", value: { conversationId, clientMessageId: `bench-${i}`, seq: BigInt(i + 1), sentAt: { seconds: 1_764_000_000n, nanos: i * 1000 } } } }),
  create(ServerFrameSchema, { frame: { case: "message", value: {
    conversationId, seq: BigInt(i + 1), senderId: "5c1d7e2a-0000-4000-8000-000000000001", clientMessageId: `bench-${i}`, text: "hello from the load generator, message",
    sentAt: { seconds: 1_764_000_000n, nanos: i * 1000 }, content: { case: "textContent", value: { text: "hello from the load generator, message" } },
  } } }),
];
const encoders = {
  toBinary: (f: ServerFrame) => new BinaryWriter().bytes(toBinary(ServerFrameSchema, f)).finish(),
  hand: (f: ServerFrame) => encodeHotFrameDelimited(f)!,
};
const n = 200_000;
const input = Array.from({ length: 1000 }, (_, i) => frames(i)).flat();
const results: Record<string, number[]> = { toBinary: [], hand: [] };
for (let r = 0; r < rounds; r++) {
  for (const [name, encode] of Object.entries(encoders)) {
    let bytes = 0;
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) bytes += encode(input[i % input.length]!).byteLength;
    results[name]!.push(Number(process.hrtime.bigint() - start) / n);
    if (bytes === 0) throw new Error("nothing encoded");
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const [name, xs] of Object.entries(results)) console.log(`${name.padEnd(9)} ${median(xs).toFixed(0)} ns/frame [${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)}]`);
