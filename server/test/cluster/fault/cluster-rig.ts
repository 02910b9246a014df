import { inject } from "vitest";
import { startRedis, type RedisHandle } from "../../services/redis.ts";
import { type Balancer, startNginx } from "../nginx.ts";
import { type NodeProcess, spawnNode } from "../node-process.ts";

/** Options of {@link startClusterRig}. */
export interface ClusterRigOptions {
  /** Nodes to start; 3 by default. */
  nodes?: number;
  /** Flags every node gets besides the engines' (heartbeats, leases...). */
  args?: string[];
}

/**
 * A cluster as an operator runs it, every part a real process the fault suite may hurt: N server
 * nodes, an nginx balancing gRPC over them, a Redis of its own (restartable empty, unlike the run's
 * shared one) and a fresh keyspace on the run's Cassandra.
 */
export interface ClusterRig {
  nodes: NodeProcess[];
  balancer: Balancer;
  redis: RedisHandle;
  keyspace: string;
  /** The flags every node runs with (engines included): what a node restarted by a fault gets too. */
  args: string[];
  /** Stops every process the rig started (nodes, nginx, Redis). */
  stop(): Promise<void>;
}

/** Heartbeats short enough that a fault shows within seconds, long enough for 2 busy cores. */
const defaultArgs = ["--heartbeat-interval-ms", "1000", "--heartbeat-timeout-ms", "6000"];

/** Starts a {@link ClusterRig}: the first node creates the schema, the others start together after it. */
export async function startClusterRig(options: ClusterRigOptions = {}): Promise<ClusterRig> {
  const redis = await startRedis();
  const keyspace = `faults_${process.pid}_${Date.now() % 100_000}`;
  const args = [
    "--redis-url", redis.url, "--scylla-contact-points", inject("cassandraContactPoint"),
    "--scylla-datacenter", inject("cassandraDataCenter"), "--scylla-keyspace", keyspace,
    ...defaultArgs, ...(options.args ?? []),
  ];
  const nodes: NodeProcess[] = [];
  const balancers: Balancer[] = [];
  const stop = async () => {
    await Promise.all(balancers.map((b) => b.stop()));
    await Promise.all(nodes.map((n) => n.kill()));
    await redis.stop();
  };
  try {
    nodes.push(await spawnNode({ nodeId: "n1", args }));
    const count = options.nodes ?? 3;
    nodes.push(...(await Promise.all(Array.from({ length: count - 1 }, (_, i) => spawnNode({ nodeId: `n${i + 2}`, args })))));
    balancers.push(await startNginx(nodes.map((n) => n.port)));
  } catch (err) {
    await stop();
    throw err;
  }
  return { nodes, balancer: balancers[0]!, redis, keyspace, args, stop };
}
