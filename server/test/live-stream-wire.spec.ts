import http2 from "node:http2";
import { gunzipSync, gzipSync } from "node:zlib";
import { create, type MessageInitShape, toBinary, fromBinary } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StreamRequestSchema, StreamResponseSchema } from "@chat/gen/chat/v1/live_pb.js";
import { envelope } from "./raw-rpc.ts";
import { type TestUser, newId, registerUser, startNode, streamPaths } from "./harness.ts";

/**
 * The gRPC fast path of LiveService.Stream is indistinguishable on the wire from connect-node: each
 * case runs the same raw HTTP/2 exchange against a node of each, and compares what came back (status,
 * headers, where grpc-status came, trailers, each response's flags and frames, a reset).
 */

/** What one raw exchange saw, with what differs between any two nodes (ids, times) left out. */
interface Wire {
  status: number;
  headers: Record<string, string>;
  /** Whether the status came in the headers (a trailers-only response) or in trailers. */
  statusIn: "headers" | "trailers" | "none";
  trailers: Record<string, string>;
  /** Per response message: its flags byte and its frames ("ready", "error 3: …"). */
  responses: string[];
  /** RST_STREAM code when the server reset the stream (undefined: ended with trailers, or the client cancelled). */
  reset: number | undefined;
}

type Frame = MessageInitShape<typeof StreamRequestSchema>;
const frame = (f: Frame) => envelope(toBinary(StreamRequestSchema, create(StreamRequestSchema, f)));
const resume: Frame = { requestId: "r", frame: { case: "resume", value: { cursors: [] } } };

interface ExchangeOptions {
  token?: string;
  headers?: Record<string, string>;
  /** The request body chunks, written at once; the request side stays open unless `end`. */
  body: Uint8Array[];
  end?: boolean;
  /** The client cancels once this holds (or at `deadlineMs`). */
  cancelWhen?: (responses: string[]) => boolean;
  deadlineMs?: number;
}

/** One raw gRPC call of LiveService.Stream, resolved when it ends or the client cancels it. */
async function exchange(url: string, options: ExchangeOptions): Promise<Wire> {
  const session = http2.connect(url);
  session.on("error", () => {}); // a reset session shows as the stream's close
  const req = session.request({
    ":method": "POST", ":path": "/chat.v1.LiveService/Stream", "content-type": "application/grpc", te: "trailers",
    ...(options.token ? { authorization: `Bearer ${options.token}` } : {}), ...options.headers,
  });
  req.on("error", () => {}); // a reset is an outcome, read from rstCode below
  for (const chunk of options.body) req.write(chunk);
  if (options.end) req.end();
  const wire: Wire = { status: 0, headers: {}, statusIn: "none", trailers: {}, responses: [], reset: undefined };
  let buffered = Buffer.alloc(0);
  let cancelled = false;
  const cancel = () => {
    cancelled = true;
    req.close(http2.constants.NGHTTP2_CANCEL);
  };
  req.on("response", (h) => {
    wire.status = Number(h[":status"]);
    wire.headers = plain(h);
    if (h["grpc-status"] !== undefined) wire.statusIn = "headers";
  });
  req.on("trailers", (t) => {
    wire.trailers = plain(t);
    wire.statusIn = "trailers";
    req.end(); // the server has ended the call: the client's half-closing ends the stream
  });
  req.on("data", (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    while (buffered.byteLength >= 5 && buffered.byteLength >= 5 + buffered.readUInt32BE(1)) {
      const flags = buffered[0]!;
      const bytes = buffered.subarray(5, 5 + buffered.readUInt32BE(1));
      buffered = buffered.subarray(5 + bytes.byteLength);
      wire.responses.push(`${flags} ${describeResponse(flags & 1 ? gunzipSync(bytes) : bytes)}`);
    }
    if (options.cancelWhen?.(wire.responses)) cancel();
  });
  const timer = setTimeout(cancel, options.deadlineMs ?? 5_000);
  await new Promise<void>((resolve) => req.on("close", resolve));
  clearTimeout(timer);
  if (!cancelled && req.rstCode !== http2.constants.NGHTTP2_NO_ERROR) wire.reset = req.rstCode;
  session.destroy();
  return wire;
}

function describeResponse(bytes: Uint8Array): string {
  const res = fromBinary(StreamResponseSchema, bytes);
  const frames = res.frame ? [res.frame] : res.frames;
  return frames.map((f) => (f.frame.case === "error" ? `error ${f.frame.value.code}: ${f.frame.value.message}` : f.frame.case ?? "empty")).join(",");
}

/** Headers as compared: every one but `date` (its value is the time). */
function plain(h: http2.IncomingHttpHeaders): Record<string, string> {
  return Object.fromEntries(Object.entries(h).filter(([k]) => k !== "date").map(([k, v]) => [k, String(v)]).sort());
}

describe("LiveService.Stream over gRPC: the fast path and connect-node on the wire", () => {
  type Node = Awaited<ReturnType<typeof startNode>>;
  let nodes: Node[];
  const args = ["--rate-limits", "streamOpenPerUser=3/0.01"];

  beforeAll(async () => {
    nodes = await Promise.all(streamPaths.map((p) => startNode({ args: [...args, ...p.args] })));
    expect(nodes.map((n) => !!n.grpcFastPath)).toEqual([true, false]);
  });
  const closed = new Set<Node>();
  afterAll(async () => Promise.all(nodes.filter((n) => !closed.has(n)).map((n) => n.close())));

  /** Runs `run` against each node (with a fresh user of its own) and returns both outcomes. */
  async function onBoth(run: (node: Node, user: TestUser) => Promise<Wire>): Promise<Wire[]> {
    const served = nodes[0]!.grpcFastPath!.served;
    const wires = await Promise.all(nodes.map(async (n) => run(n, await registerUser(n, "wire"))));
    expect(nodes[0]!.grpcFastPath!.served).toBeGreaterThan(served); // the fast path did take the call
    expect(wires[0]).toEqual(wires[1]);
    return wires;
  }

  it("success: Ready, a resume, a send with its ACK and message, then a client cancel that frees the stream", async () => {
    const [wire] = await onBoth(async (node, user) => {
      const peer = await registerUser(node, "peer");
      const conv = (await user.clients.conversations.getOrCreateDirect({ userId: peer.id })).conversation!.id;
      const send: Frame = { requestId: "s", frame: { case: "send", value: { conversationId: conv, clientMessageId: newId(), text: "hi" } } };
      const got = await exchange(node.url, {
        token: user.token, body: [frame(resume), frame(send), frame({ frame: { case: "heartbeat", value: {} } })],
        cancelWhen: (r) => r.some((x) => x.includes("ack")) && r.some((x) => x.includes("message")),
      });
      got.responses.sort(); // the ACK and the message race each other on any server
      await until(() => [...node.chat.hub.ofUser(user.id)].length === 0, "the cancelled stream to leave the hub");
      return got;
    });
    expect(wire!.headers).toMatchObject({ ":status": "200", "content-type": "application/grpc+proto" });
    expect(wire!.responses).toEqual(["0 ack", "0 message", "0 ready", "0 resumeComplete"]);
  });

  it("unauthenticated (no token, a wrong token): headers and trailers, no message", async () => {
    for (const token of [undefined, "chat_not-a-token"]) {
      const [wire] = await onBoth((node) => exchange(node.url, { token, body: [frame(resume)] }));
      expect(wire!.trailers["grpc-status"]).toBe("16");
      expect(wire!.responses).toEqual([]);
    }
  });

  it("a frame that is no StreamRequest: InvalidArgument after Ready", async () => {
    const [wire] = await onBoth((node, user) => exchange(node.url, { token: user.token, body: [envelope(new Uint8Array([0xff, 0xff, 0xff]))] }));
    expect(wire!.trailers["grpc-status"]).toBe("3");
    expect(decodeURIComponent(wire!.trailers["grpc-message"]!)).toMatch(/^client frame is not a valid chat.v1.StreamRequest: malformed request/);
  });

  it("a request that ends inside an envelope: InvalidArgument", async () => {
    const [wire] = await onBoth((node, user) => exchange(node.url, { token: user.token, body: [frame(resume).subarray(0, 4)], end: true }));
    expect(wire!.trailers["grpc-status"]).toBe("3");
  });

  it("a message over the size limit: ResourceExhausted", async () => {
    const huge = Buffer.alloc(5);
    huge.writeUInt32BE(2 * 1024 * 1024, 1);
    const [wire] = await onBoth((node, user) => exchange(node.url, { token: user.token, body: [huge] }));
    expect(wire!.trailers["grpc-status"]).toBe("8");
  });

  it("an unknown grpc-encoding: Unimplemented, naming the ones supported", async () => {
    const [wire] = await onBoth((node, user) => exchange(node.url, { token: user.token, headers: { "grpc-encoding": "zstd" }, body: [frame(resume)] }));
    expect(wire!.trailers["grpc-status"]).toBe("12");
    expect(decodeURIComponent(wire!.trailers["grpc-message"]!)).toContain("gzip");
  });

  it("a compressed frame without grpc-encoding is refused; gzip requests are read and large responses gzipped", async () => {
    const compressed = (f: Frame) => envelope(gzipSync(toBinary(StreamRequestSchema, create(StreamRequestSchema, f))), 1);
    const [refused] = await onBoth((node, user) => exchange(node.url, { token: user.token, body: [compressed(resume)] }));
    expect(refused!.trailers["grpc-status"]).not.toBe("0");
    const [gzipped] = await onBoth(async (node, user) => {
      const peer = await registerUser(node, "peer");
      const conv = (await user.clients.conversations.getOrCreateDirect({ userId: peer.id })).conversation!.id;
      for (let i = 0; i < 20; i++) await peer.clients.live.sendMessage({ conversationId: conv, clientMessageId: newId(), text: `${i} ${"z".repeat(100)}` });
      const replay: Frame = { requestId: "r", frame: { case: "resume", value: { cursors: [{ conversationId: conv, seq: 0n }], maxBatch: 50 } } };
      return exchange(node.url, {
        token: user.token, headers: { "grpc-encoding": "gzip", "grpc-accept-encoding": "gzip" }, body: [compressed(replay)],
        cancelWhen: (r) => r.some((x) => x.includes("resumeComplete")),
      });
    });
    expect(gzipped!.headers["grpc-encoding"]).toBe("gzip");
    expect(gzipped!.responses.some((r) => r.startsWith("1 message,message"))).toBe(true); // the replay batch, over 1 KiB
  });

  it("grpc-timeout: a malformed one is InvalidArgument; a deadline ends the stream as connect-node does", async () => {
    const [bad] = await onBoth((node, user) => exchange(node.url, { token: user.token, headers: { "grpc-timeout": "soon" }, body: [frame(resume)] }));
    expect(bad!.trailers["grpc-status"]).toBe("3");
    const [deadline] = await onBoth((node, user) => exchange(node.url, { token: user.token, headers: { "grpc-timeout": "300m" }, body: [frame(resume)] }));
    // A stream whose deadline passed ends with DEADLINE_EXCEEDED on both (the gRPC spec; it ended
    // with OK, as a cancel would, until stream-deadline.spec.ts), with the same trailers.
    expect(deadline!.trailers["grpc-status"]).toBe("4");
  });

  it("stream opens over the per-user limit: ResourceExhausted with the retry trailers", async () => {
    const [wire] = await onBoth(async (node, user) => {
      let last: Wire | undefined;
      for (let i = 0; i < 4; i++) last = await exchange(node.url, { token: user.token, body: [], cancelWhen: (r) => r.length > 0, deadlineMs: 2_000 });
      return { ...last!, trailers: { ...last!.trailers, "retry-after": "s", "retry-after-ms": "ms" } }; // the times differ by a few ms
    });
    expect(wire!.trailers["grpc-status"]).toBe("8");
  });

  it("drain on shutdown: open streams end with Unavailable", async () => {
    await onBoth(async (node, user) => {
      const wire = exchange(node.url, { token: user.token, body: [frame(resume)], deadlineMs: 10_000 });
      await until(() => [...node.chat.hub.ofUser(user.id)].length === 1, "the stream to open");
      closed.add(node);
      await node.close();
      const got = await wire;
      expect(got.trailers["grpc-status"]).toBe("14");
      return got;
    });
  });
});

/** Polls `check` until it holds, for at most 5 s. */
async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
