import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, type ConnectError } from "@connectrpc/connect";
import { LiveSession } from "@chat/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerUser } from "../harness.ts";
import { waitFor } from "./fault/chat-load.ts";
import { type Balancer, startNginx } from "./nginx.ts";
import { type NodeProcess, spawnNode } from "./node-process.ts";

/**
 * A node killed behind nginx: nginx can only reset the client's HTTP/2 stream (RST_STREAM
 * INTERNAL_ERROR, which gRPC's HTTP/2 mapping calls INTERNAL), so the client library must tell
 * "the connection to the server was lost" (Unavailable, retried) from an error the server sent.
 */
describe("a node killed behind nginx", () => {
  let dataDir: string;
  let node: NodeProcess;
  let lb: Balancer;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "chat-nginx-loss-"));
    node = await spawnNode({ nodeId: "n1", args: ["--data-dir", dataDir] });
    lb = await startNginx([node.port]);
  }, 90_000);
  afterAll(async () => {
    await lb?.stop();
    await node?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("ends the client's stream with Unavailable, not Internal, and the session reconnects once the node is back", async () => {
    const user = await registerUser({ url: lb.url }, "lost");
    const session = new LiveSession({ clients: user.clients, backoff: { baseMs: 100, capMs: 500 } }).start();
    const errors: ConnectError[] = [];
    session.on("state", (_state, error) => error && errors.push(error));
    await waitFor(() => session.state === "online", 20_000, () => `session ${session.state}`);
    await node.kill();
    await waitFor(() => errors.length > 0, 10_000, () => "the stream did not end");
    expect(errors[0]!.code, errors[0]!.message).toBe(Code.Unavailable);
    await node.restart();
    await waitFor(() => session.state === "online", 20_000, () => `session ${session.state}`);
    await session.close();
  }, 60_000);
});
