import http2 from "node:http2";

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

/**
 * Calls `path` (e.g. "/chat.v1.AuthService/Login") over raw HTTP/2 with request bytes exactly as
 * given: `messages` are enveloped for streams and for gRPC/gRPC-Web, and sent as the whole body for
 * Connect unary calls. Nothing here validates anything, which is the point: tests send what no
 * generated client would. Resolves within `deadlineMs` whatever the server does.
 */
export async function rawCall(
  session: http2.ClientHttp2Session, protocol: WireProtocol, path: string, messages: Uint8Array[],
  options: { streaming: boolean; token?: string; deadlineMs: number },
): Promise<RawOutcome> {
  const headers: http2.OutgoingHttpHeaders = { ":method": "POST", ":path": path, "content-type": contentType(protocol, options.streaming) };
  if (protocol === "grpc") headers.te = "trailers";
  if (protocol.startsWith("connect") && !options.streaming) headers["connect-protocol-version"] = "1";
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const enveloped = options.streaming || protocol === "grpc" || protocol === "grpc-web";
  const body = enveloped ? concat(messages.map((m) => envelope(m))) : concat(messages);
  const req = session.request(headers);
  req.on("error", () => {}); // a reset is an outcome, read from rstCode below
  req.end(body);
  return new Promise<RawOutcome>((resolve) => {
    let httpStatus = 0;
    let responseHeaders: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      req.close(http2.constants.NGHTTP2_CANCEL);
      resolve({ httpStatus, code: httpStatus ? (options.streaming ? "open" : "hang") : "hang", message: "" });
    }, options.deadlineMs);
    req.on("response", (h) => {
      responseHeaders = h;
      httpStatus = Number(h[":status"]);
      // A stream that answered its headers and waits for more is healthy; callers cap how long.
    });
    req.on("trailers", (t) => (trailers = t));
    req.on("data", (c: Buffer) => {
      if (chunks.reduce((n, b) => n + b.byteLength, 0) < 1 << 20) chunks.push(c);
    });
    req.on("close", () => {
      clearTimeout(timer);
      if (!httpStatus) return resolve({ httpStatus, code: "reset", message: `rst ${req.rstCode}` });
      resolve(outcome(protocol, options.streaming, httpStatus, { ...responseHeaders, ...trailers }, Buffer.concat(chunks)));
    });
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
function outcome(protocol: WireProtocol, streaming: boolean, httpStatus: number, headers: http2.IncomingHttpHeaders, body: Buffer): RawOutcome {
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
