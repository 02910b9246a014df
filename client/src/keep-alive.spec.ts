import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type NodeProcess, spawnNode } from "../../server/test/cluster/node-process.ts";
import { bearer, createChatClients } from "./clients.ts";
import { LiveSession, type LiveState } from "./live-session.ts";

describe("LiveSession and a frozen node", () => {
  let node: NodeProcess;
  const dataDir = mkdtempSync(join(tmpdir(), "chat-keepalive-"));
  beforeAll(async () => {
    node = await spawnNode({ nodeId: "frozen", args: ["--data-dir", dataDir, "--heartbeat-interval-ms", "300", "--heartbeat-timeout-ms", "1500"] });
  }, 60_000);
  afterAll(async () => {
    await node?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("leaves a node that stops sending (not even keep-alives) within its heartbeat timeout, with no transport ping", async () => {
    const anonymous = createChatClients(createGrpcTransport({ baseUrl: node.url }));
    const { token } = await anonymous.auth.register({ username: "frozen1", password: "correct horse battery", deviceName: "test" });
    // No HTTP/2 pings (the transport's default): only the server's keep-alive frames can tell a quiet
    // stream from a dead node.
    const clients = createChatClients(createGrpcTransport({ baseUrl: node.url, interceptors: [bearer(token)] }));
    const session = new LiveSession({ clients, backoff: { baseMs: 50, capMs: 200 } });
    const states: { state: LiveState; at: number }[] = [];
    session.on("state", (state) => states.push({ state, at: Date.now() }));
    session.start();
    try {
      const online = async (count: number) => {
        const deadline = Date.now() + 10_000;
        while (states.filter((s) => s.state === "online").length < count) {
          if (Date.now() > deadline) throw new Error(`not online: ${states.map((s) => s.state).join(",")}`);
          await new Promise((r) => setTimeout(r, 20));
        }
      };
      await online(1);
      await new Promise((r) => setTimeout(r, 1_000)); // idle: keep-alives flow, the session stays online
      expect(states.map((s) => s.state)).not.toContain("reconnecting");
      const frozenAt = Date.now();
      node.pause();
      const deadline = Date.now() + 5_000;
      while (!states.some((s) => s.state === "reconnecting") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const left = states.find((s) => s.state === "reconnecting");
      expect(left, "the session noticed the frozen node").toBeDefined();
      expect(left!.at - frozenAt).toBeLessThan(1_500 + 1_000);
      node.resume();
      await online(2);
    } finally {
      node.resume();
      await session.close();
    }
  }, 30_000);
});
