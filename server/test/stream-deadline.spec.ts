import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { Code, ConnectError, type Interceptor, type Transport } from "@connectrpc/connect";
import { bearer } from "@chat/client";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientsFor, registerUser, startNode, streamPaths, type TestUser } from "./harness.ts";

const protoDir = fileURLToPath(new URL("../../proto", import.meta.url));

/*
 * A live stream whose deadline passes ends with DEADLINE_EXCEEDED (the gRPC spec), on both gRPC
 * paths (the fast path and connect-node) and over Connect and gRPC-Web, where it ended with status 0
 * as though the server had finished the call. The clients send the deadline as a header without
 * enforcing it themselves (no `deadline`/`timeoutMs` option), so that what they report is what the
 * server sent, not their own timer's verdict.
 */
describe.each(streamPaths)("a live stream past its deadline ($path)", ({ args }) => {
  const deadlineMs = 300;
  let server: Awaited<ReturnType<typeof startNode>>;
  let user: TestUser;
  beforeAll(async () => {
    server = await startNode({ args });
    user = await registerUser(server, "deadline");
  });
  afterAll(async () => server?.close());

  it("ends with DEADLINE_EXCEEDED for a stock @grpc/grpc-js client (Stream)", async () => {
    const def = protoLoader.loadSync(["chat/v1/live.proto"], { includeDirs: [protoDir], longs: String, defaults: true, oneofs: true });
    const chat = (grpc.loadPackageDefinition(def) as any).chat.v1;
    const live = new chat.LiveService(new URL(server.url).host, grpc.credentials.createInsecure());
    const md = new grpc.Metadata();
    md.set("authorization", `Bearer ${user.token}`);
    md.set("grpc-timeout", `${deadlineMs}m`);
    const call = live.Stream(md);
    const frames: string[] = [];
    call.on("data", (res: any) => frames.push(res.frame.frame));
    call.on("error", () => {}); // the status below is the outcome
    const status = await new Promise<grpc.StatusObject>((resolve) => call.on("status", resolve));
    live.close();
    expect(frames).toContain("ready"); // the stream was open until the deadline
    expect(status.code, status.details).toBe(grpc.status.DEADLINE_EXCEEDED);
  });

  const transports: [string, (headers: Record<string, string>) => Transport][] = [
    ["Connect", (headers) => createConnectTransport({ baseUrl: server.url, httpVersion: "2", interceptors: [bearer(user.token), withHeaders(headers)] })],
    ["gRPC-Web", (headers) => createGrpcWebTransport({ baseUrl: server.url, httpVersion: "2", interceptors: [bearer(user.token), withHeaders(headers)] })],
  ];
  const deadlineHeaders: Record<string, Record<string, string>> = {
    Connect: { "connect-timeout-ms": String(deadlineMs) },
    "gRPC-Web": { "grpc-timeout": `${deadlineMs}m` },
  };

  it.each(transports)("ends with deadline_exceeded over %s (Stream and Subscribe)", async (name, transportOf) => {
    const live = clientsFor(transportOf(deadlineHeaders[name]!)).live;
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const requests = async function* () {
      yield { frame: { case: "heartbeat" as const, value: {} } };
      await held; // the request side stays open: the deadline ends the call
    };
    const outcome = async (responses: AsyncIterable<{ frame?: { frame: { case?: string } }; frames?: unknown[] }>) => {
      const seen: string[] = [];
      try {
        for await (const res of responses) seen.push(res.frame?.frame.case ?? "batch");
      } catch (err) {
        return { seen, code: ConnectError.from(err).code };
      }
      return { seen, code: "ok" as const };
    };
    const streamed = await outcome(live.stream(requests()));
    release();
    for (const result of [streamed, await outcome(live.subscribe({}))]) {
      expect(result.seen).toContain("ready");
      expect(result.code).toBe(Code.DeadlineExceeded);
    }
  });
});

/** A connect-es interceptor that sets `headers` on every request (a deadline the client does not enforce). */
function withHeaders(headers: Record<string, string>): Interceptor {
  return (next) => async (req) => {
    for (const [k, v] of Object.entries(headers)) req.header.set(k, v);
    return next(req);
  };
}
