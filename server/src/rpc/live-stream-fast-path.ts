import type http2 from "node:http2";
import type { ContextValues, Interceptor } from "@connectrpc/connect";
import { compressionBrotli, compressionGzip } from "@connectrpc/connect-node";
import { parseContentType } from "@connectrpc/connect/protocol-grpc";
import { LiveService } from "@chat/gen/chat/v1/live_pb.js";
import type { Chat } from "../core/chat.ts";
import { envelopePrefixBytes } from "../transport/grpc-response-writer.ts";
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
    async serve(requests, ctx, out) {
      const connection = await openStream(chat, requests, ctx);
      const finish = bindToCall(connection, ctx);
      try {
        // Pushed by the outbox, all of a turn's batches at its end: no promise or generator step per batch.
        await connection.writeTo((batch) => {
          const visible = visibleFrames(connection, batch);
          return visible.length > 0 ? out.write(encodeFrameResponse(visible, envelopePrefixBytes)) : undefined;
        });
      } finally {
        finish();
      }
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

/** The fast path as the transport and the node's owner see it. */
export interface LiveStreamFastPath {
  /** Calls served so far (tests check that a call took the path they mean to test). */
  readonly served: number;
  /** Asked of each new HTTP/2 stream: serves it and returns true when it is a call the fast path takes. */
  take(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): boolean;
}
