import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { create, equals } from "@bufbuild/protobuf";
import { ServerFrameSchema, type ServerFrame } from "@chat/gen/chat/v1/live_pb.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisDeployments } from "../../../test/services/redis-deployments.ts";
import type { Broker, Delivery } from "./interface.ts";
import { createMemoryBroker } from "./memory/memory-broker.ts";
import { createRedisBroker } from "./redis/redis-broker.ts";

/**
 * An implementation under test: `open` gives the broker of one node; the brokers of one engine
 * reach each other (the memory broker, made for one process, is shared as is).
 */
interface BrokerEngine {
  name: string;
  open(): Promise<Broker>;
}

const engines: BrokerEngine[] = [
  { name: "memory", open: ((shared = createMemoryBroker()) => async () => shared)() },
  ...redisDeployments.map((redis): BrokerEngine => ({
    name: redis.name,
    open: ((keyPrefix = `test:${randomUUID()}:`) => async () => createRedisBroker({ url: await redis.url(), keyPrefix }))(),
  })),
];

describe.each(engines)("Broker contract: $name", (engine) => {
  let a: Broker;
  let b: Broker;
  /** Batches received per node, in arrival order. */
  const received = new Map<string, Delivery[][]>();
  const nodes = { a: `a-${randomUUID()}`, b: `b-${randomUUID()}` };
  beforeAll(async () => {
    a = await engine.open();
    b = await engine.open();
    for (const [broker, node] of [[a, nodes.a], [b, nodes.b]] as const) {
      received.set(node, []);
      await broker.subscribe(node, (deliveries) => received.get(node)!.push(deliveries));
    }
  });
  afterAll(async () => {
    await Promise.all([a.close(), b.close()]);
  });

  const typing = (userId: string, n: number): ServerFrame => create(ServerFrameSchema, {
    requestId: `r${n}`, frame: { case: "typing", value: { conversationId: randomUUID(), userId, typing: true, expiresInMs: n } },
  });
  const message = (seq: number, text: string): ServerFrame => create(ServerFrameSchema, {
    frame: { case: "message", value: { conversationId: "c", seq: BigInt(seq), senderId: "s", clientMessageId: `m${seq}`, text } },
  });
  /** Waits until `count` batches arrived at a node (delivery is asynchronous), then a little more. */
  async function batchesAt(node: string, count: number): Promise<Delivery[][]> {
    const deadline = Date.now() + 5_000;
    while (received.get(node)!.length < count && Date.now() < deadline) await sleep(5);
    await sleep(50); // anything extra (a duplicate, a stray) would arrive by now
    return received.get(node)!.splice(0);
  }
  const same = (got: Delivery[], sent: Delivery[]) =>
    got.length === sent.length && got.every((d, i) =>
      JSON.stringify(d.userIds) === JSON.stringify(sent[i]!.userIds) && equals(ServerFrameSchema, d.frame, sent[i]!.frame));

  it("a publish arrives as one batch, whole and in order, at the node it is addressed to only", async () => {
    const batch: Delivery[] = [
      { userIds: ["u1", "u2"], frame: typing("u1", 1) },
      { userIds: ["u3"], frame: message(7, "héllo ✓") },
      { userIds: [], frame: create(ServerFrameSchema) },
    ];
    await a.publish(nodes.b, batch);
    const atB = await batchesAt(nodes.b, 1);
    expect(atB).toHaveLength(1);
    expect(same(atB[0]!, batch)).toBe(true);
    expect(await batchesAt(nodes.a, 0)).toEqual([]);
  });

  it("a node gets what it publishes to itself, and publishes to one node keep their order", async () => {
    for (let i = 1; i <= 20; i++) await b.publish(nodes.b, [{ userIds: [`u${i}`], frame: message(i, `m${i}`) }]);
    const atB = await batchesAt(nodes.b, 20);
    expect(atB.map((batch) => batch[0]!.userIds[0])).toEqual(Array.from({ length: 20 }, (_, i) => `u${i + 1}`));
  });

  it("a large batch (1000 deliveries of 64 KiB texts and many recipients) arrives intact", async () => {
    const text = `${"x".repeat(64 * 1024 - 1)}é`;
    const batch: Delivery[] = Array.from({ length: 1000 }, (_, i) => ({
      userIds: Array.from({ length: 5 }, () => randomUUID()),
      frame: i % 100 === 0 ? message(i, text) : typing(`u${i}`, i),
    }));
    await b.publish(nodes.a, batch);
    const atA = await batchesAt(nodes.a, 1);
    expect(atA).toHaveLength(1);
    expect(same(atA[0]!, batch)).toBe(true);
  });

  it("a delivery's trace context arrives with it, and one without none stays without", async () => {
    const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    await a.publish(nodes.b, [{ userIds: ["u1"], frame: typing("u1", 1), traceparent }, { userIds: ["u2"], frame: typing("u2", 2) }]);
    const [batch] = await batchesAt(nodes.b, 1);
    expect(batch!.map((d) => d.traceparent)).toEqual([traceparent, undefined]);
  });

  it("a publish to a node nobody subscribed to is dropped without error", async () => {
    await expect(a.publish(`nobody-${randomUUID()}`, [{ userIds: ["u"], frame: typing("u", 1) }])).resolves.toBeUndefined();
    expect(await batchesAt(nodes.a, 0)).toEqual([]);
    expect(await batchesAt(nodes.b, 0)).toEqual([]);
  });
});
