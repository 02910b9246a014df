import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type TestUser, clientsFor, newId, openStream, registerUser, transportFor } from "../harness.ts";
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from "../services/otlp-receiver.ts";
import { type RedisDeploymentHandle, startRedisCluster } from "../services/redis-cluster.ts";
import { type NodeProcess, spawnNode } from "./node-process.ts";

/** A user whose clients talk to a given node. */
const on = (node: NodeProcess, user: TestUser): TestUser => ({ ...user, clients: clientsFor(transportFor(node.url, "grpc", user.token)) });

describe("two nodes over a 3-master Redis Cluster, traced over OTLP", () => {
  let cluster: RedisDeploymentHandle;
  let receiver: OtlpReceiver;
  const nodes: NodeProcess[] = [];
  let alice: TestUser, bob: TestUser;

  beforeAll(async () => {
    [cluster, receiver] = await Promise.all([startRedisCluster(), startOtlpReceiver()]);
    const args = [
      "--redis-cluster", cluster.url.replace("redis+cluster://", ""), "--otlp-endpoint", receiver.url,
      "--scylla-contact-points", inject("cassandraContactPoint"), "--scylla-datacenter", inject("cassandraDataCenter"),
      "--scylla-keyspace", `rcluster_${process.pid}_${Date.now() % 100_000}`,
    ];
    nodes.push(await spawnNode({ nodeId: "traced-a", args })); // creates the keyspace
    nodes.push(await spawnNode({ nodeId: "traced-b", args }));
    alice = on(nodes[0]!, await registerUser({ url: nodes[0]!.url }, "alice"));
    bob = on(nodes[1]!, await registerUser({ url: nodes[1]!.url }, "bob"));
  }, 90_000);
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    await Promise.all([cluster?.stop(), receiver?.stop()]);
  });

  it("carries a chat exchange between the nodes both ways, live, with presence", async () => {
    const conv = (await alice.clients.conversations.createGroup({ name: "over the cluster", memberIds: [bob.id] })).conversation!.id;
    const [a, b] = await Promise.all([openStream(alice), openStream(bob)]);
    await a.until(() => a.of("presence").find((p) => p.userId === bob.id && p.online), 5_000, "bob online on node a");
    await alice.clients.live.sendMessage({ conversationId: conv, clientMessageId: newId(), text: "hi bob" });
    await b.until(() => b.of("message").find((m) => m.text === "hi bob"), 5_000, "alice's message on node b");
    await bob.clients.live.sendMessage({ conversationId: conv, clientMessageId: newId(), text: "hi alice" });
    const got = await a.until(() => { const m = a.of("message"); return m.length >= 2 && m; }, 5_000, "both messages on node a");
    expect(got.map((m) => [Number(m.seq), m.text])).toEqual([[1, "hi bob"], [2, "hi alice"]]);
    a.close();
    b.close();
  });

  it("exports one trace spanning the send on node a and the delivery on node b", async () => {
    const conv = (await alice.clients.conversations.createGroup({ name: "traced", memberIds: [bob.id] })).conversation!.id;
    const b = await openStream(bob);
    await alice.clients.live.sendMessage({ conversationId: conv, clientMessageId: newId(), text: "follow me" });
    await b.until(() => b.of("message").find((m) => m.text === "follow me"), 5_000, "the message on node b");
    b.close();
    // Spans leave each node in batches (every second): wait for the delivery span, with a deadline.
    let trace: ReceivedSpan[] = [];
    for (const deadline = Date.now() + 10_000; trace.length === 0 && Date.now() < deadline; await sleep(50)) {
      const send = receiver.spans.filter((s) => s.name === "chat.v1.LiveService/SendMessage" && s.node === "traced-a");
      const delivered = receiver.spans.filter((s) => s.name === "chat.deliver" && s.node === "traced-b" && send.some((x) => x.traceId === s.traceId));
      if (delivered.length > 0) trace = receiver.spans.filter((s) => s.traceId === delivered.at(-1)!.traceId);
    }
    const names = (node: string) => new Set(trace.filter((s) => s.node === node).map((s) => s.name));
    expect([...names("traced-a")]).toEqual(expect.arrayContaining([
      "chat.v1.LiveService/SendMessage", "store.appendMessage", "chat.fanout", "sessions.locate", "redis evalsha", "broker.publish",
    ]));
    expect([...names("traced-b")]).toContain("chat.deliver");
    // Every span but the RPC's has its parent in the trace: one tree, across both nodes.
    const ids = new Set(trace.map((s) => s.spanId));
    expect(trace.filter((s) => !ids.has(s.parentSpanId)).map((s) => s.name)).toEqual(["chat.v1.LiveService/SendMessage"]);
  });
});
