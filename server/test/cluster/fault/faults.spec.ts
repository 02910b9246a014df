import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ChatLoad, startChatLoad } from "./chat-load.ts";
import { type ClusterRig, startClusterRig } from "./cluster-rig.ts";
import { type Fault, type FaultReport, formatReports, runFault } from "./fault-run.ts";
import { drainNode, killNode, pauseNode, restartRedisEmpty } from "./faults.ts";

/**
 * The fault suite: three nodes (a third of the clients through nginx), a Redis of its own and a
 * keyspace on Cassandra, steady direct and group traffic from client-library sessions on every
 * node; each fault runs under that load, and every message sent meanwhile is checked on the store,
 * on every member device and in search. The table of all faults is printed at the end.
 */
describe("fault suite: a cluster under load keeps every ACKed message, once, in order, and finds it", () => {
  let rig: ClusterRig;
  let load: ChatLoad;
  const reports: FaultReport[] = [];

  beforeAll(async () => {
    rig = await startClusterRig();
    load = await startChatLoad(rig);
  }, 120_000);
  afterAll(async () => {
    await load?.close();
    await rig?.stop();
    if (reports.length > 0) console.log(`fault suite (3 nodes, nginx, Redis, Cassandra):\n${formatReports(reports)}`);
  }, 60_000);

  const check = async (fault: Fault) => {
    const report = await runFault(rig, load, fault);
    reports.push(report);
    expect(report.acked).toBe(report.sent);
    expect(report.sent).toBeGreaterThan(50);
    expect({ failed: report.failed, lost: report.lost, unfindable: report.unfindable, duplicated: report.duplicated,
      reordered: report.reordered, diverged: report.diverged })
      .toEqual({ failed: 0, lost: 0, unfindable: 0, duplicated: 0, reordered: 0, diverged: 0 });
  };

  it("kill -9 a node (restarted 2 s later)", () => check(killNode(1)), 150_000);
  it("Redis restarted empty", () => check(restartRedisEmpty()), 150_000);
  it("SIGTERM a node (drain), restarted 2 s later", () => check(drainNode(0)), 150_000);
  it("SIGSTOP a node 20 s, then SIGCONT", () => check(pauseNode(2)), 150_000);
});
