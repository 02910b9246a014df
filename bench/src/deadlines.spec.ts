import { createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentPool } from "./load/agent-pool.ts";
import { nowUs } from "./load/clock.ts";
import type { ConnectReport } from "./load/protocol.ts";
import { ClusterCounters } from "./targets/cluster-counters.ts";
import type { SystemUnderTest } from "./targets/system.ts";

// A server that accepts connections and never says a word: what a stuck node looks like from outside.
let silent: Server;
let port = 0;
const sockets = new Set<Socket>();
beforeAll(async () => {
  silent = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  port = (silent.address() as { port: number }).port;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => silent.close(() => resolve()));
});

describe("the bench fails a run that hangs instead of waiting forever", () => {
  it("AgentPool.run rejects, naming the command and the silent agent, at its deadline", { timeout: 20_000 }, async () => {
    const pool = AgentPool.start(1);
    try {
      const started = Date.now();
      const run = pool.run<ConnectReport>(() => ({
        type: "connect", protocol: "chat", client: "h2", rate: 1_000, startUs: nowUs(),
        devices: [{ url: `http://127.0.0.1:${port}`, account: { userId: "u", token: "t", conversationIds: [] }, sendTo: [] }],
      }), { deadlineMs: 1_500 });
      await expect(run).rejects.toThrow(/load agent 0 did not answer "connect" within 1\.5 s/);
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await pool.close();
    }
  });

  it("ClusterCounters rejects when a node's /metrics or Redis does not answer", { timeout: 20_000 }, async () => {
    const stuck = (urls: string[]) => ({ urls, pids: () => [] }) as unknown as SystemUnderTest;
    const metrics = new ClusterCounters(stuck([`http://127.0.0.1:${port}`]), `redis://127.0.0.1:${port}`, "127.0.0.1:1", 500);
    try {
      await expect(metrics.begin()).rejects.toThrow(`GET http://127.0.0.1:${port}/metrics failed or did not answer within 0.5 s`);
    } finally {
      metrics.close();
    }
    const redis = new ClusterCounters(stuck([]), `redis://127.0.0.1:${port}`, "127.0.0.1:1", 500);
    try {
      await expect(redis.begin()).rejects.toThrow("Redis INFO commandstats failed or did not answer within 0.5 s");
    } finally {
      redis.close();
    }
  });
});
