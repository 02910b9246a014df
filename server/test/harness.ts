import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { type Code, ConnectError, type Interceptor, type Transport } from "@connectrpc/connect";
import { type ChatClients, bearer, createChatClients } from "@chat/client";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { pino } from "pino";
import { type ServerFrame, type StreamRequest, StreamRequestSchema } from "@chat/gen/chat/v1/live_pb.js";
import { loadConfig } from "../src/config.ts";
import { type RunningServer, startServer } from "../src/server.ts";

/** Wire protocols a client may speak to the one port. */
export type Protocol = "grpc" | "connect" | "grpc-web";

/**
 * The two ways a node serves LiveService.Stream over gRPC: its fast path (the default) and
 * connect-node (`--grpc-fast-path off`). Spec files whose streams speak gRPC run against both
 * (`describe.each(streamPaths)`, passing `args` to startNode), so that each proves both.
 */
export const streamPaths = [
  { path: "gRPC fast path", args: [] as string[] },
  { path: "connect-node", args: ["--grpc-fast-path", "off"] },
];

/** Starts a real node on a free port; `dataDir` reuses a store across restarts. */
export async function startNode(options: { dataDir?: string; port?: number; args?: string[] } = {}): Promise<RunningServer & { dataDir: string }> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "chat-test-"));
  const config = loadConfig(["--port", String(options.port ?? 0), "--data-dir", dataDir, ...(options.args ?? [])], {});
  const server = await startServer(config, pino({ level: "silent" }));
  return Object.assign(server, { dataDir });
}

/** A transport of the given protocol (gRPC over HTTP/2; Connect and gRPC-Web over HTTP/1.1). */
export function transportFor(baseUrl: string, protocol: Protocol, token?: string): Transport {
  const interceptors: Interceptor[] = token ? [bearer(token)] : [];
  if (protocol === "grpc") return createGrpcTransport({ baseUrl, interceptors });
  if (protocol === "grpc-web") return createGrpcWebTransport({ baseUrl, httpVersion: "1.1", interceptors });
  return createConnectTransport({ baseUrl, httpVersion: "1.1", interceptors });
}

/** Typed clients of every service (the shared client library's). */
export const clientsFor = createChatClients;
/** The clients of one device. */
export type Clients = ChatClients;

/** A registered user's first device. */
export interface TestUser {
  id: string;
  username: string;
  token: string;
  deviceId: string;
  clients: Clients;
}

let userCounter = 0;

/** Registers a user with a unique name and returns clients that carry its token. */
export async function registerUser(server: { url: string }, prefix = "user", protocol: Protocol = "grpc"): Promise<TestUser> {
  const username = `${prefix}${++userCounter}${process.pid % 1000}`.toLowerCase();
  const anon = clientsFor(transportFor(server.url, protocol));
  const res = await anon.auth.register({ username, password: "correct horse battery", deviceName: "test" });
  return { id: res.user!.id, username, token: res.token, deviceId: res.deviceId, clients: clientsFor(transportFor(server.url, protocol, res.token)) };
}

/** Logs another device of an existing user in. */
export async function loginDevice(server: { url: string }, user: TestUser, protocol: Protocol = "grpc"): Promise<TestUser> {
  const anon = clientsFor(transportFor(server.url, protocol));
  const res = await anon.auth.login({ username: user.username, password: "correct horse battery", deviceName: "second" });
  return { ...user, token: res.token, deviceId: res.deviceId, clients: clientsFor(transportFor(server.url, protocol, res.token)) };
}

/**
 * One open LiveService.Stream: push client frames, and wait for server frames. Every frame received
 * is kept in `frames`, so tests can assert on order and on duplicates.
 */
export class StreamHandle {
  readonly frames: ServerFrame[] = [];
  /** The error the stream ended with, or null when it ended cleanly; undefined while open. */
  ended: Error | null | undefined;
  private readonly outgoing: StreamRequest[] = [];
  private wakeSender: (() => void) | undefined;
  private waiters: (() => void)[] = [];
  private readonly abort = new AbortController();
  private done = false;
  private beat: NodeJS.Timeout | undefined;

  constructor(user: { clients: Clients }) {
    const requests = this.requests();
    void (async () => {
      try {
        for await (const res of user.clients.live.stream(requests, { signal: this.abort.signal })) {
          this.frames.push(res.frame!);
          this.notify();
        }
        this.ended = null;
      } catch (err) {
        this.ended = err as Error;
      }
      this.notify();
    })();
  }

  /** Queues a client frame. */
  send(frame: MessageInitShape<typeof StreamRequestSchema>): void {
    this.outgoing.push(create(StreamRequestSchema, frame));
    this.wakeSender?.();
  }

  /** Frames of one kind received so far. */
  of<K extends NonNullable<ServerFrame["frame"]["case"]>>(kind: K): Extract<ServerFrame["frame"], { case: K }>["value"][] {
    return this.frames.filter((f) => f.frame.case === kind).map((f) => f.frame.value) as never;
  }

  /** Waits until `check` returns a value other than undefined/false, or fails after `timeoutMs`. */
  async until<T>(check: () => T | undefined | false, timeoutMs = 5_000, what = "condition"): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = check();
      if (value !== undefined && value !== false) return value;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; frames: ${this.frames.map((f) => f.frame.case).join(",")}; ended: ${String(this.ended)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 50));
        this.waiters.push(() => { clearTimeout(t); resolve(); });
      });
    }
  }

  /** Sends a heartbeat frame every `ms` until closed. */
  heartbeatEvery(ms: number): void {
    this.beat = setInterval(() => this.send({ frame: { case: "heartbeat", value: {} } }), ms);
  }

  /** Ends the stream from the client side (cancel). */
  close(): void {
    clearInterval(this.beat);
    this.done = true;
    this.abort.abort();
    this.wakeSender?.();
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private async *requests(): AsyncGenerator<StreamRequest> {
    while (!this.done) {
      const next = this.outgoing.shift();
      if (next) {
        yield next;
        continue;
      }
      await new Promise<void>((resolve) => (this.wakeSender = resolve));
      this.wakeSender = undefined;
    }
  }
}

/** Opens a stream and waits for its Ready frame; it heartbeats as Ready asks unless told not to. */
export async function openStream(user: { clients: Clients }, options: { heartbeat?: boolean } = {}): Promise<StreamHandle> {
  const stream = new StreamHandle(user);
  const ready = await stream.until(() => stream.of("ready")[0], 5_000, "ready");
  if (options.heartbeat !== false) stream.heartbeatEvery(ready.heartbeatIntervalMs);
  return stream;
}

/** A fresh client message id. */
export const newId = () => crypto.randomUUID();

/** The Connect code a call fails with (or "ok"). */
export async function codeOf(call: Promise<unknown>): Promise<Code | "ok"> {
  try {
    await call;
    return "ok";
  } catch (err) {
    return ConnectError.from(err).code;
  }
}
