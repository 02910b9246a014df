import http2 from "node:http2";
import { toBinary } from "@bufbuild/protobuf";
import { StreamRequestSchema } from "@chat/gen/chat/v1/live_pb.js";
import { readStreamResponse } from "./hot-frame-decoder.ts";
import type { OpenLiveStream } from "./live-stream.ts";

/** gRPC's length-prefixed message: a flag byte (0: not compressed) and a 4-byte big-endian length. */
const envelopeHeader = 5;

/**
 * LiveService.Stream in gRPC's wire format written straight onto node:http2: one `http2.connect`
 * (one TCP connection) per device, protobuf-es for the messages, and the 5-byte gRPC envelope by
 * hand. It does what connect-node's transport does for this one call, without its per-frame async
 * pipeline, and reads live messages and ACKs by hand (hot-frame-decoder.ts), so that the load
 * generator does not need more CPU than the server it measures.
 */
export const openH2LiveStream: OpenLiveStream = (baseUrl, token, handlers) => {
  const session = http2.connect(baseUrl);
  let ended = false;
  const end = (error: Error | undefined) => {
    if (ended) return;
    ended = true;
    handlers.end(error);
    session.destroy();
  };
  session.on("error", (err) => end(err));
  const stream = session.request({
    ":method": "POST", ":path": "/chat.v1.LiveService/Stream",
    "content-type": "application/grpc+proto", te: "trailers", authorization: `Bearer ${token}`,
  });
  let pending: Buffer | undefined;
  stream.on("data", (chunk: Buffer) => {
    let buf = pending ? Buffer.concat([pending, chunk]) : chunk;
    while (buf.length >= envelopeHeader) {
      const length = buf.readUInt32BE(1);
      if (buf.length < envelopeHeader + length) break;
      const response = buf.subarray(envelopeHeader, envelopeHeader + length);
      buf = buf.subarray(envelopeHeader + length);
      readStreamResponse(response, handlers);
    }
    pending = buf.length > 0 ? buf : undefined;
  });
  let status: string | undefined;
  let message = "";
  const readStatus = (headers: http2.IncomingHttpHeaders) => {
    if (headers["grpc-status"] !== undefined) {
      status = String(headers["grpc-status"]);
      message = decodeURIComponent(String(headers["grpc-message"] ?? ""));
    }
  };
  stream.on("response", (headers) => {
    if (headers[":status"] !== 200) end(new Error(`HTTP ${headers[":status"]}`));
    readStatus(headers); // a trailers-only response carries the status in its headers
  });
  stream.on("trailers", readStatus);
  stream.on("error", (err) => end(err));
  stream.on("close", () => end(status === undefined || status === "0" ? undefined : new Error(`grpc-status ${status}: ${message}`)));
  return {
    write(request) {
      if (ended) return;
      const bytes = toBinary(StreamRequestSchema, request);
      const frame = Buffer.allocUnsafe(envelopeHeader + bytes.length);
      frame[0] = 0;
      frame.writeUInt32BE(bytes.length, 1);
      frame.set(bytes, envelopeHeader);
      stream.write(frame);
    },
    close() {
      ended = true;
      stream.close();
      session.destroy();
    },
  };
};
