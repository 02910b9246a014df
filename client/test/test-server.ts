import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import type { Interceptor } from "@connectrpc/connect";
import { pino } from "pino";
import { loadConfig } from "../../server/src/config.ts";
import { type RunningServer, startServer } from "../../server/src/server.ts";
import { bearer, type ChatClients, createChatClients } from "../src/clients.ts";

/**
 * A real chat server in the test process, on its own data dir. `restart()` stops it (every stream is
 * closed, as in a deploy or a crash-restart) and starts a new one on the same port and data.
 */
export class TestServer {
  server!: RunningServer;
  private dataDir = "";
  private port = 0;

  private heartbeat = { intervalMs: 1_000, timeoutMs: 5_000 };

  static async start(heartbeat?: { intervalMs: number; timeoutMs: number }): Promise<TestServer> {
    const t = new TestServer();
    if (heartbeat) t.heartbeat = heartbeat;
    t.dataDir = await mkdtemp(join(tmpdir(), "chat-client-test-"));
    await t.listen();
    return t;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Stops the node; clients see their streams end. */
  async stop(): Promise<void> {
    await this.server.close();
  }

  /** Starts the node again on the same port and data dir. */
  async listen(): Promise<void> {
    const config = loadConfig(["--port", String(this.port), "--data-dir", this.dataDir, "--heartbeat-interval-ms", String(this.heartbeat.intervalMs), "--heartbeat-timeout-ms", String(this.heartbeat.timeoutMs)], {});
    this.server = await startServer(config, pino({ level: "silent" }));
    this.port = this.server.port;
  }

  /** Stops the node for good and deletes its data. */
  async dispose(): Promise<void> {
    await this.server.close().catch(() => {});
    await rm(this.dataDir, { recursive: true, force: true });
  }

  /**
   * Registers a user and returns clients authenticated as that user's new device: gRPC over HTTP/2,
   * or with `"connect"` the Connect protocol over HTTP/1.1, as a browser speaks it.
   */
  async user(username: string, protocol: "grpc" | "connect" = "grpc"): Promise<{ clients: ChatClients; userId: string }> {
    const transport = (interceptors: Interceptor[]) => protocol === "grpc"
      ? createGrpcTransport({ baseUrl: this.url, interceptors })
      : createConnectTransport({ baseUrl: this.url, httpVersion: "1.1", interceptors });
    const anonymous = createChatClients(transport([]));
    const { token, user } = await anonymous.auth.register({ username, password: "correct horse battery", deviceName: "test" });
    return { clients: createChatClients(transport([bearer(token)])), userId: user!.id };
  }
}

/** Polls `check` (which may ask the server) until it holds, failing with `what` after `timeoutMs`. */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
