import type http2 from "node:http2";
import type { ContextValues, HandlerContext, Interceptor } from "@connectrpc/connect";
import { compressionBrotli, compressionGzip } from "@connectrpc/connect-node";
import { parseContentType } from "@connectrpc/connect/protocol-grpc";
import { LiveService } from "@chat/gen/chat/v1/live_pb.js";
import type { Chat } from "../core/chat.ts";
import type { Connection } from "../core/live/connection.ts";
import { envelopePrefixBytes, type GrpcResponseWriter } from "../transport/grpc-response-writer.ts";
import { grpcStreamServer } from "../transport/grpc-stream.ts";
import type { RawRequest } from "../transport/raw-request.ts";
import { encodeFrameResponse } from "./frame-encoding.ts";
import { bindToCall, openStream, visibleFrames } from "./live-service.ts";

/** What the fast path shares with the connect-node adapter it stands beside. */
export interface LiveStreamFastPathOptions {
  /** The adapter's interceptors, in its order. */
  interceptors: Interceptor[];
  /** The adapter's `readMaxBytes`. */
  readMaxBytes: number;
  /** The adapter's `contextValues`. */
  contextValues(raw: RawRequest): ContextValues;
  /** Hears a call that failed outside any client's view (a bug: the call's own errors are its trailers). */
  onError(error: unknown): void;
}

const streamPath = `/${LiveService.typeName}/${LiveService.method.stream.name}`;

/** connect-es's default: smaller response messages are not worth compressing. */
const compressMinBytes = 1024;

/**
 * The hot path of every device, LiveService.Stream over gRPC, served straight on the HTTP/2 stream
 * (see transport/grpc-stream.ts): the same core calls as the connect-node handler (openStream,
 * bindToCall, visibleFrames), and frames encoded once per fan-out and copied behind the envelope
 * prefix, without connect-es's per-message chain of async iterables. Returns what the transport asks
 * of each new HTTP/2 stream: whether the fast path took it. It takes binary gRPC calls of Stream
 * only; the JSON codec, gRPC-Web, Connect, and calls from browsers (whose CORS headers the adapter's
 * wrapper adds) stay with connect-node.
 */
export function liveStreamFastPath(chat: Chat, options: LiveStreamFastPathOptions): LiveStreamFastPath {
  const serve = grpcStreamServer({
    method: LiveService.method.stream,
    interceptors: options.interceptors,
    readMaxBytes: options.readMaxBytes,
    acceptCompression: [compressionGzip, compressionBrotli], // connect-node's default, which the adapter keeps
    compressMinBytes,
    contextValues: options.contextValues,
    serve(requests, ctx, out) {
      return openStream(chat, requests, ctx).then((connection) => writeOut(connection, ctx, out));
    },
  });
  const fastPath = {
    served: 0,
    take(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): boolean {
      if (headers[":method"] !== "POST" || headers[":path"]?.split("?", 1)[0] !== streamPath) return false;
      if (!parseContentType(headers["content-type"] ?? null)?.binary || headers.origin !== undefined) return false;
      fastPath.served++;
      serve(stream, headers).catch(options.onError);
      return true;
    },
  };
  return fastPath;
}

/**
 * Writes a connection's frames to its call until it closes, pushed by the outbox, all of a turn's
 * batches at its end: no promise or generator step per batch. A promise chain, not an async
 * function, whose suspended frame every idle stream would keep for as long as it is open.
 */
function writeOut(connection: Connection, ctx: HandlerContext, out: GrpcResponseWriter): Promise<void> {
  const finish = bindToCall(connection, ctx);
  return connection.writeTo((batch) => {
    const visible = visibleFrames(connection, batch);
    return visible.length > 0 ? out.write(encodeFrameResponse(visible, envelopePrefixBytes)) : undefined;
  }).finally(finish);
}

/** The fast path as the transport and the node's owner see it. */
export interface LiveStreamFastPath {
  /** Calls served so far (tests check that a call took the path they mean to test). */
  readonly served: number;
  /** Asked of each new HTTP/2 stream: serves it and returns true when it is a call the fast path takes. */
  take(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): boolean;
}
