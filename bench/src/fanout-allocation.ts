#!/usr/bin/env node
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { create } from "@bufbuild/protobuf";
import { ServerFrameSchema } from "@chat/gen/chat/v1/live_pb.js";
import { Dispatcher } from "../../server/src/core/live/dispatcher.ts";
import type { Hub } from "../../server/src/core/live/hub.ts";
import { createMemoryBroker } from "../../server/src/engines/broker/memory/memory-broker.ts";
import { createMemorySessionMap } from "../../server/src/engines/sessions/memory/memory-session-map.ts";
import { startTracing } from "../../server/src/observability/tracing.ts";

/**
 * `node --expose-gc --max-semi-space-size=1024 --min-semi-space-size=1024 bench/src/fanout-allocation.ts [off|on]`:
 * bytes allocated and time per `Dispatcher.publish` of a frame to a user on another node (memory
 * engines), with tracing off or on (spans to a local sink). The young generation is made large enough
 * that no collection runs during a round, so the heap's growth is what the round allocated: the check
 * that tracing off costs nothing per message (docs/operations.md#tracing-opentelemetry).
 */
const mode = process.argv[2] ?? "off";
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const sink = createServer((req, res) => req.resume().on("end", () => res.end("{}")));
await new Promise<void>((resolve) => sink.listen(0, "127.0.0.1", resolve));
const tracing = mode === "on" ? startTracing({ url: `http://127.0.0.1:${(sink.address() as AddressInfo).port}/v1/traces`, nodeId: "bench" }) : undefined;

const sessions = createMemorySessionMap();
await sessions.add({ userId: "u", deviceId: "d", connectionId: "c", nodeId: "other" });
const broker = createMemoryBroker();
await broker.subscribe("other", () => {});
const dispatcher = new Dispatcher("self", sessions, broker, { deliver() {} } as unknown as Hub);
const frame = create(ServerFrameSchema, { frame: { case: "typing", value: { conversationId: "c", userId: "u", typing: true } } });
const users = ["u"];
const perRound = 100_000;
for (let round = 1; round <= 5; round++) {
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const start = process.hrtime.bigint();
  for (let i = 0; i < perRound; i += 1_000) {
    const batch: Promise<void>[] = [];
    for (let j = 0; j < 1_000; j++) batch.push(dispatcher.publish(users, frame));
    await Promise.all(batch);
    await new Promise((resolve) => setImmediate(resolve)); // the broker's batches go out
  }
  const ns = Number(process.hrtime.bigint() - start) / perRound;
  const bytes = (process.memoryUsage().heapUsed - heapBefore) / perRound;
  console.log(`tracing ${mode}, round ${round}: ${bytes.toFixed(0)} bytes and ${ns.toFixed(0)} ns per publish`);
}
await tracing?.shutdown();
sink.close();
