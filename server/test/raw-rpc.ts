import http from "node:http";
import http2 from "node:http2";
import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { BotService } from "@chat/gen/chat/v1/bot_pb.js";
import { ConversationService } from "@chat/gen/chat/v1/conversation_pb.js";
import { LiveService } from "@chat/gen/chat/v1/live_pb.js";
import { HistoryService } from "@chat/gen/chat/v1/message_pb.js";
import { SearchService } from "@chat/gen/chat/v1/search_pb.js";
import { AuthService, UserService } from "@chat/gen/chat/v1/user_pb.js";

/** Every method of every chat.v1 service. */
export const everyMethod: DescMethod[] = [AuthService, UserService, ConversationService, HistoryService, LiveService, BotService, SearchService]
  .flatMap((s: DescService) => s.methods);

/** The wire encodings a raw call may use: Connect (binary or JSON), gRPC, gRPC-Web. */
export type WireProtocol = "connect-proto" | "connect-json" | "grpc" | "grpc-web";

/** Every wire encoding, for tests that try each. */
export const wireProtocols: WireProtocol[] = ["connect-proto", "connect-json", "grpc", "grpc-web"];

/** What a raw call got back. */
export interface RawOutcome {
  /** HTTP status of the response (0: none arrived within the deadline, or the stream was reset). */
  httpStatus: number;
  /**
   * The RPC outcome as Connect spells it ("ok", "invalid_argument", "internal", …); "open" when a
   * streaming call answered its headers and was still running at the deadline; "hang" when nothing
   * came back in time; "reset" when the server reset the HTTP/2 stream.
   */
  code: string;
  /** The error message, when there is one. */
  message: string;
}

/** gRPC's numeric status codes, in the Connect spelling. */
const grpcCodes = ["ok", "canceled", "unknown", "invalid_argument", "deadline_exceeded", "not_found", "already_exists",
  "permission_denied", "resource_exhausted", "failed_precondition", "aborted", "out_of_range", "unimplemented",
  "internal", "unavailable", "data_loss", "unauthenticated"];

/** Frames one message as Connect streaming, gRPC and gRPC-Web do: flags, 4-byte big-endian length, bytes. */
export function envelope(message: Uint8Array, flags = 0): Uint8Array {
  const out = new Uint8Array(5 + message.byteLength);
  out[0] = flags;
  new DataView(out.buffer).setUint32(1, message.byteLength);
  out.set(message, 5);
  return out;
}

/** Where a raw call goes: an HTTP/2 session (h2c), or HTTP/1.1 through an agent (Connect and gRPC-Web only). */
export type RawTarget = { http2: http2.ClientHttp2Session } | { http1: { host: string; port: number; agent: http.Agent } };

/** Options of {@link rawCall}. */
export interface RawCallOptions {
  /** Whether the method streams (its messages are enveloped in every protocol). */
  streaming: boolean;
  /** A bearer token to send. */
  token?: string;
  /** The call resolves by then whatever the server does. */
  deadlineMs: number;
  /** The whole request body as is, instead of `messages` (to damage the envelopes themselves). */
  rawBody?: Uint8Array;
}

/**
 * Calls `path` (e.g. "/chat.v1.AuthService/Login") with request bytes exactly as given: `messages`
 * are enveloped for streams and for gRPC/gRPC-Web, and sent as the whole body for Connect unary
 * calls. Nothing here validates anything, which is the point: tests send what no generated client
 * would. Resolves within `deadlineMs` whatever the server does.
 */
export async function rawCall(target: RawTarget, protocol: WireProtocol, path: string, messages: Uint8Array[], options: RawCallOptions): Promise<RawOutcome> {
  const headers: Record<string, string> = { "content-type": contentType(protocol, options.streaming) };
  if (protocol === "grpc") headers.te = "trailers";
  if (protocol.startsWith("connect") && !options.streaming) headers["connect-protocol-version"] = "1";
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const enveloped = options.streaming || protocol === "grpc" || protocol === "grpc-web";
  const body = options.rawBody ?? (enveloped ? concat(messages.map((m) => envelope(m))) : concat(messages));
  const raw = "http2" in target ? await exchange2(target.http2, path, headers, body, options.deadlineMs) : await exchange1(target.http1, path, headers, body, options.deadlineMs);
  if (raw === "hang") return { httpStatus: 0, code: "hang", message: "" };
  if (raw === "reset") return { httpStatus: 0, code: "reset", message: "" };
  if (raw.open) return { httpStatus: raw.status, code: options.streaming ? "open" : "hang", message: "" };
  return outcome(protocol, options.streaming, raw.status, raw.headers, raw.body);
}

interface Exchange {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** The response had begun but not ended at the deadline. */
  open: boolean;
}

/** Keeps at most 1 MiB of a response body: enough to read any status, bounded whatever comes. */
function collector(): { add(c: Buffer): void; body(): Buffer } {
  const chunks: Buffer[] = [];
  let size = 0;
  return {
    add: (c) => { if (size < 1 << 20) { chunks.push(c); size += c.byteLength; } },
    body: () => Buffer.concat(chunks),
  };
}

function exchange2(session: http2.ClientHttp2Session, path: string, headers: Record<string, string>, body: Uint8Array, deadlineMs: number): Promise<Exchange | "hang" | "reset"> {
  const req = session.request({ ":method": "POST", ":path": path, ...headers });
  req.on("error", () => {}); // a reset is an outcome, told by the close below
  req.end(body);
  return new Promise((resolve) => {
    let status = 0;
    let got: Record<string, string | string[] | undefined> = {};
    const data = collector();
    const timer = setTimeout(() => {
      req.close(http2.constants.NGHTTP2_CANCEL);
      resolve(status ? { status, headers: got, body: data.body(), open: true } : "hang");
    }, deadlineMs);
    req.on("response", (h) => { got = { ...h }; status = Number(h[":status"]); });
    req.on("trailers", (t) => (got = { ...got, ...t }));
    req.on("data", (c: Buffer) => data.add(c));
    req.on("close", () => {
      clearTimeout(timer);
      resolve(status ? { status, headers: got, body: data.body(), open: false } : "reset");
    });
  });
}

function exchange1(to: { host: string; port: number; agent: http.Agent }, path: string, headers: Record<string, string>, body: Uint8Array, deadlineMs: number): Promise<Exchange | "hang" | "reset"> {
  return new Promise((resolve) => {
    let status = 0;
    let got: Record<string, string | string[] | undefined> = {};
    const data = collector();
    const req = http.request({ host: to.host, port: to.port, agent: to.agent, method: "POST", path, headers: { ...headers, "content-length": String(body.byteLength) } });
    const timer = setTimeout(() => {
      req.destroy();
      resolve(status ? { status, headers: got, body: data.body(), open: true } : "hang");
    }, deadlineMs);
    req.on("error", () => { clearTimeout(timer); resolve(status ? { status, headers: got, body: data.body(), open: false } : "reset"); });
    req.on("response", (res) => {
      status = res.statusCode ?? 0;
      got = res.headers;
      res.on("data", (c: Buffer) => data.add(c));
      res.on("error", () => {}); // the request's error or close tells
      res.on("end", () => { clearTimeout(timer); resolve({ status, headers: { ...got, ...res.trailers }, body: data.body(), open: false }); });
    });
    req.end(body);
  });
}

function contentType(protocol: WireProtocol, streaming: boolean): string {
  switch (protocol) {
    case "connect-proto": return streaming ? "application/connect+proto" : "application/proto";
    case "connect-json": return streaming ? "application/connect+json" : "application/json";
    case "grpc": return "application/grpc+proto";
    case "grpc-web": return "application/grpc-web+proto";
  }
}

/** Reads the RPC status out of whichever place the protocol puts it. */
function outcome(protocol: WireProtocol, streaming: boolean, httpStatus: number, headers: Record<string, string | string[] | undefined>, body: Buffer): RawOutcome {
  if (protocol === "grpc") return grpcStatus(httpStatus, headers);
  if (protocol === "grpc-web") {
    const trailer = lastEnvelope(body, 0x80);
    if (!trailer) return grpcStatus(httpStatus, headers); // trailers-only response, in the headers
    const fields = Object.fromEntries(trailer.toString("utf8").split("\r\n").filter(Boolean)
      .map((line) => [line.slice(0, line.indexOf(":")).trim().toLowerCase(), line.slice(line.indexOf(":") + 1).trim()]));
    return grpcStatus(httpStatus, fields);
  }
  if (!streaming) {
    if (httpStatus === 200) return { httpStatus, code: "ok", message: "" };
    const err = parseJson(body) as { code?: string; message?: string } | undefined;
    return { httpStatus, code: err?.code ?? `http ${httpStatus}`, message: err?.message ?? "" };
  }
  if (httpStatus !== 200) {
    const err = parseJson(body) as { code?: string; message?: string } | undefined;
    return { httpStatus, code: err?.code ?? `http ${httpStatus}`, message: err?.message ?? "" };
  }
  const end = lastEnvelope(body, 0x02);
  const err = (end && (parseJson(end) as { error?: { code?: string; message?: string } } | undefined)?.error) || undefined;
  return { httpStatus, code: err?.code ?? "ok", message: err?.message ?? "" };
}

function grpcStatus(httpStatus: number, fields: Record<string, string | string[] | undefined>): RawOutcome {
  const status = fields["grpc-status"];
  if (status === undefined) return { httpStatus, code: `http ${httpStatus}`, message: "" };
  return { httpStatus, code: grpcCodes[Number(status)] ?? `grpc ${String(status)}`, message: decodeURIComponent(String(fields["grpc-message"] ?? "")) };
}

/** The payload of the last envelope whose flags include `flag`, if the body ends with one. */
function lastEnvelope(body: Buffer, flag: number): Buffer | undefined {
  let found: Buffer | undefined;
  for (let at = 0; at + 5 <= body.byteLength;) {
    const length = body.readUInt32BE(at + 1);
    if ((body[at]! & flag) === flag) found = body.subarray(at + 5, at + 5 + length);
    at += 5 + length;
  }
  return found;
}

function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString("utf8"));
  } catch {
    return undefined; // not JSON: the caller reports the HTTP status instead
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  return Buffer.concat(parts);
}
