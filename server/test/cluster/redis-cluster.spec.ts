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
    const created = (await alice.clients.conversations.createGroup({ name: "over the cluster", memberIds: [bob.id] })).conversation!;
    const conv = created.id;
    const base = Number(created.lastSeq); // the group's system events come first
    const [a, b] = await Promise.all([openStream(alice), openStream(bob)]);
    await a.until(() => a.of("presence").find((p) => p.userId === bob.id && p.online), 5_000, "bob online on node a");
    await alice.clients.live.sendMessage({ conversationId: conv, clientMessageId: newId(), text: "hi bob" });
    await b.until(() => b.of("message").find((m) => m.text === "hi bob"), 5_000, "alice's message on node b");
    await bob.clients.live.sendMessage({ conversationId: conv, clientMessageId: newId(), text: "hi alice" });
    const got = await a.until(() => { const m = a.of("message"); return m.length >= 2 && m; }, 5_000, "both messages on node a");
    expect(got.map((m) => [Number(m.seq), m.text])).toEqual([[base + 1, "hi bob"], [base + 2, "hi alice"]]);
    a.close();
    b.close();
  });

  /** Waits (with a deadline: spans leave each node in batches, every second) for the trace of a delivery on node b whose root, on node a, is `root`. */
  async function traceFrom(root: string, after: number): Promise<ReceivedSpan[]> {
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; await sleep(50)) {
      const roots = receiver.spans.slice(after).filter((s) => s.name === root && s.node === "traced-a" && s.parentSpanId === "");
      const delivered = receiver.spans.slice(after).find((s) => s.name === "chat.deliver" && s.node === "traced-b" && roots.some((r) => r.traceId === s.traceId));
      if (delivered) return receiver.spans.filter((s) => s.traceId === delivered.traceId);
    }
    throw new Error(`no trace from ${root} on node a to chat.deliver on node b within 10 s; got ${[...new Set(receiver.spans.map((s) => s.name))].join(", ")}`);
  }
  const names = (trace: ReceivedSpan[], node: string) => [...new Set(trace.filter((s) => s.node === node).map((s) => s.name))];
  /** Every span but the root has its parent in the trace: one tree, across both nodes. */
  const roots = (trace: ReceivedSpan[]) => trace.filter((s) => !trace.some((p) => p.spanId === s.parentSpanId)).map((s) => s.name);

  it("exports one trace spanning a unary send on node a and the delivery on node b", async () => {
    const conv = (await alice.clients.conversations.createGroup({ name: "traced", memberIds: [bob.id] })).conversation!.id;
    const b = await openStream(bob);
    const after = receiver.spans.length;
    await alice.clients.live.sendMessage({ conversationId: conv, clientMessageId: newId(), text: "follow me" });
    await b.until(() => b.of("message").find((m) => m.text === "follow me"), 5_000, "the message on node b");
    b.close();
    const trace = await traceFrom("chat.v1.LiveService/SendMessage", after);
    expect(names(trace, "traced-a")).toEqual(expect.arrayContaining([
      "chat.v1.LiveService/SendMessage", "chat.send", "store.appendMessage", "chat.fanout", "sessions.locate", "redis evalsha", "broker.publish", "redis spublish",
    ]));
    expect(names(trace, "traced-b")).toContain("chat.deliver");
    expect(roots(trace)).toEqual(["chat.v1.LiveService/SendMessage"]);
  });

  it("traces a send on a stream too, from its own span to the delivery on node b", async () => {
    const conv = (await alice.clients.conversations.createGroup({ name: "traced stream", memberIds: [bob.id] })).conversation!.id;
    const [a, b] = await Promise.all([openStream(alice), openStream(bob)]);
    const after = receiver.spans.length;
    a.send({ frame: { case: "send", value: { conversationId: conv, clientMessageId: newId(), text: "on the stream" } } });
    await b.until(() => b.of("message").find((m) => m.text === "on the stream"), 5_000, "the streamed message on node b");
    a.close();
    b.close();
    const trace = await traceFrom("chat.send", after);
    expect(names(trace, "traced-a")).toEqual(expect.arrayContaining(["chat.send", "store.appendMessage", "chat.fanout", "broker.publish"]));
    expect(roots(trace)).toEqual(["chat.send"]);
  });

  it("a send forwarded to the node that sequences its conversation stays one trace across both", async () => {
    const conv = (await alice.clients.conversations.createGroup({ name: "traced forward", memberIds: [bob.id] })).conversation!.id;
    const after = receiver.spans.length;
    // One node per send: whichever does not hold the conversation's sequencer lease forwards its append.
    await alice.clients.live.sendMessage({ conversationId: conv, clientMessageId: newId(), text: "from a" });
    await bob.clients.live.sendMessage({ conversationId: conv, clientMessageId: newId(), text: "from b" });
    let forwarded: ReceivedSpan | undefined;
    for (const deadline = Date.now() + 10_000; !forwarded && Date.now() < deadline; await sleep(50)) {
      forwarded = receiver.spans.slice(after).find((s) => s.name === "store.appendForwarded");
    }
    expect(forwarded, "a store.appendForwarded span within 10 s").toBeDefined();
    // The owner's span can reach the collector before the forwarding node exports its own batch
    // (the RPC span ends only after the ACK): wait for the whole trace, not for its first part.
    const traceOf = () => receiver.spans.filter((s) => s.traceId === forwarded!.traceId);
    for (const deadline = Date.now() + 10_000; Date.now() < deadline && !traceOf().some((s) => s.name === "chat.v1.LiveService/SendMessage"); await sleep(50));
    const trace = traceOf();
    expect(roots(trace)).toEqual(["chat.v1.LiveService/SendMessage"]);
    expect(new Set(trace.map((s) => s.node))).toEqual(new Set(["traced-a", "traced-b"]));
  });
});
