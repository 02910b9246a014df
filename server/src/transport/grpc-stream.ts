import type http2 from "node:http2";
import type net from "node:net";
import type { DescMessage, DescMethodBiDiStreaming, MessageShape } from "@bufbuild/protobuf";
import { Code, ConnectError, type ContextValues, type HandlerContext, type Interceptor, type StreamRequest as CallRequest, type StreamResponse as CallResponse } from "@connectrpc/connect";
import { type Compression, compressionNegotiate, createMethodSerializationLookup } from "@connectrpc/connect/protocol";
import { contentTypeProto, grpcStatusOk, headerAcceptEncoding, headerEncoding, headerTimeout, parseTimeout, setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import { GrpcCallContext } from "./grpc-call-context.ts";
import { GrpcRequestReader } from "./grpc-request-reader.ts";
import { GrpcResponseWriter } from "./grpc-response-writer.ts";

/** connect-es's own bound on a written message (the adapter sets none lower); the writer never checks it either. */
const maxWriteMaxBytes = 0xffffffff;

/**
 * What serving one bidirectional gRPC method straight on `node:http2` needs: the same options the
 * connect-node adapter was built with, so that the call is checked, limited and answered alike.
 */
export interface GrpcStreamOptions<I extends DescMessage, O extends DescMessage> {
  method: DescMethodBiDiStreaming<I, O>;
  /** The adapter's interceptors, in its order (auth, throttles, metrics, tracing…). */
  interceptors: Interceptor[];
  /** The adapter's `readMaxBytes`: larger request messages end the call with ResourceExhausted. */
  readMaxBytes: number;
  /** The adapter's accepted compressions (connect-node's default: gzip, br). */
  acceptCompression: Compression[];
  /** Response messages at least this large are compressed when the client accepts it (connect's default 1 KiB). */
  compressMinBytes: number;
  /** The adapter's `contextValues`, given what stands for the Node request here. */
  contextValues(raw: { stream: http2.ServerHttp2Stream; socket: net.Socket }): ContextValues;
  /**
   * The implementation: reads `requests`, writes encoded response messages with `out`, resolves when
   * the call ends normally and throws the error it ends with (written as the trailers).
   */
  serve(requests: AsyncIterable<MessageShape<I>>, ctx: HandlerContext, out: GrpcResponseWriter): Promise<void>;
}

/**
 * What serves gRPC calls of one bidirectional method, each on its HTTP/2 stream, with what connect-es's gRPC
 * handler does around the implementation, reusing its own pieces: the `grpc-timeout` deadline and its
 * errors, `grpc-encoding` negotiation (an unknown one is Unimplemented when the request is read), the
 * request's decompression and parse (split by grpc-request-reader.ts), the interceptors, and the
 * status trailers (`grpc-status`, percent-encoded `grpc-message`, `grpc-status-details-bin`). Headers
 * go out with the first response message, or with the trailers when there is none, as connect-node's.
 * What is not reused is the response pipeline: the implementation hands over encoded messages, which
 * the writer envelopes and writes once per event-loop turn.
 */
export function grpcStreamServer<I extends DescMessage, O extends DescMessage>(options: GrpcStreamOptions<I, O>): GrpcStreamServer {
  // Once per method, not per call: the lookup holds a dozen closures and two TextDecoders (≈ 3 KiB
  // that each idle device's call kept alive, in the heap census).
  const serialization = createMethodSerializationLookup(options.method, undefined, undefined, { readMaxBytes: options.readMaxBytes, writeMaxBytes: maxWriteMaxBytes });
  const parser = serialization.getI(true);
  const parse = (data: Uint8Array) => parser.parse(data) as MessageShape<I>;
  return (stream, headers) => serveCall(stream, headers, options, parse);
}

/** Serves one call on its HTTP/2 stream; resolves once the trailers are handed to the stream. */
export type GrpcStreamServer = (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => Promise<void>;

/**
 * Starts one call: what it needs for as long as it is open is made here, and handed to
 * {@link runCall}, so that the raw request headers, the parser and the setup's temporaries are not
 * kept by a suspended function frame for the life of an idle stream.
 */
function serveCall<I extends DescMessage, O extends DescMessage>(
  stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, options: GrpcStreamOptions<I, O>, parse: (data: Uint8Array) => MessageShape<I>,
): Promise<void> {
  const { method } = options;
  const requestHeader = webHeaders(headers);
  const timeout = parseTimeout(requestHeader.get(headerTimeout), Number.MAX_SAFE_INTEGER);
  const socket = stream.session!.socket;
  const context = new GrpcCallContext({
    service: method.parent, method, timeoutMs: timeout.timeoutMs, requestHeader,
    url: new URL(headers[":path"] ?? "", `${"encrypted" in socket && socket.encrypted ? "https" : "http"}://${headers[":authority"] ?? ""}`).toString(),
    responseHeader: new Headers({ "content-type": contentTypeProto }), responseTrailer: new Headers({ "grpc-status": grpcStatusOk }),
    values: options.contextValues({ stream, socket }),
  });
  // The client resetting the stream aborts the call with the code its reset means, as connect-node's.
  callOfStream.set(stream, context);
  stream.on("close", abortCallOnClose); // 'close' comes once: no once-wrapper, and one function for every stream
  // Errors of the stream (a reset with an error code, a write after the client went away) end the
  // call through 'close' above; the listener keeps them from crashing the process as unhandled.
  stream.on("error", ignoreStreamError);
  const compression = compressionNegotiate(options.acceptCompression, requestHeader.get(headerEncoding), requestHeader.get(headerAcceptEncoding), headerAcceptEncoding);
  if (compression.response) context.responseHeader.set(headerEncoding, compression.response.name);
  const input = new GrpcRequestReader(stream, {
    readMaxBytes: options.readMaxBytes, compression: compression.request, parse,
    refusal: compression.error ?? timeout.error,
  });
  const out = new GrpcResponseWriter(stream, context.responseHeader, compression.response, options.compressMinBytes);
  return runCall(context, input, out, options);
}

/** Runs a started call through the interceptors and the implementation, and writes its trailers. */
async function runCall<I extends DescMessage, O extends DescMessage>(
  context: GrpcCallContext, input: AsyncIterable<MessageShape<I>>, out: GrpcResponseWriter, options: GrpcStreamOptions<I, O>,
): Promise<void> {
  try {
    const call = await intercept(context, input, options);
    await options.serve(call.requests, call.context, out);
    copyHeaders(call.trailer, context.responseTrailer);
    context.abort();
  } catch (err) {
    context.abort(err);
    setTrailerStatus(context.responseTrailer, err instanceof ConnectError ? err : new ConnectError("internal error", Code.Internal, undefined, undefined, err));
  }
  out.end(context.responseTrailer);
}

/**
 * Passes the call through the interceptors, as connect-es's handler does: returns the request
 * messages and context they hand on (the same context unless one changed what it carries), and the
 * trailers they answer with.
 */
async function intercept<I extends DescMessage, O extends DescMessage>(
  context: GrpcCallContext, input: AsyncIterable<MessageShape<I>>, options: GrpcStreamOptions<I, O>,
): Promise<{ requests: AsyncIterable<MessageShape<I>>; context: HandlerContext; trailer: Headers }> {
  const { method } = options;
  let called: CallRequest<I, O> | undefined;
  const next = options.interceptors.reduceRight<(req: CallRequest<I, O>) => Promise<CallResponse<I, O>>>(
    (n, interceptor) => interceptor(n as never) as never,
    async (req) => {
      called = req;
      return { stream: true, message: noMessages, service: method.parent, method, header: context.responseHeader, trailer: context.responseTrailer };
    },
  );
  const res = await next({
    stream: true, message: input, method, service: method.parent, requestMethod: "POST", url: context.url,
    signal: context.signal, header: context.requestHeader, contextValues: context.values,
  });
  copyHeaders(res.header, context.responseHeader);
  const req = called!;
  const same = req.service === context.service && req.header === context.requestHeader && req.signal === context.signal && req.contextValues === context.values;
  return {
    requests: req.message, trailer: res.trailer,
    context: same ? context : {
      method: context.method, requestMethod: context.requestMethod, protocolName: context.protocolName, url: context.url,
      timeoutMs: context.timeoutMs, responseHeader: context.responseHeader, responseTrailer: context.responseTrailer,
      service: req.service, requestHeader: req.header, signal: req.signal, values: req.contextValues,
    },
  };
}

/** The call each stream on the fast path carries, for its 'close' listener. */
const callOfStream = new WeakMap<http2.ServerHttp2Stream, GrpcCallContext>();

/** A stream's 'close' listener (see serveCall): aborts its call with what the client's reset code means. */
function abortCallOnClose(this: http2.ServerHttp2Stream): void {
  callOfStream.get(this)?.abort(errorFromResetCode(this.rstCode));
}

/** A stream's 'error' listener (see serveCall): one function for every stream, not a closure each. */
function ignoreStreamError(): void {}

/**
 * The response iterable handed to the interceptors: the messages go through the writer instead. One
 * for every call (each iteration starts afresh), not a generator each.
 */
const noMessages: AsyncIterable<never> = {
  [Symbol.asyncIterator]: () => ({ next: () => Promise.resolve({ done: true, value: undefined as never }) }),
};

/** Request headers as connect-node hands them to interceptors (pseudo-headers left out). */
function webHeaders(headers: http2.IncomingHttpHeaders): Headers {
  const out = new Headers();
  for (const [k, v] of Object.entries(headers)) {
    if (k.startsWith(":") || v === undefined) continue;
    for (const e of Array.isArray(v) ? v : [v]) out.append(k, String(e));
  }
  return out;
}

function copyHeaders(from: Headers, to: Headers): void {
  if (from === to) return;
  for (const key of [...to.keys()]) to.delete(key);
  from.forEach((value, key) => to.set(key, value));
}

/** HTTP/2 reset codes by number (RFC 9113 section 7) and the call error connect-node makes of each (STREAM_CLOSED: none). */
const resetCodes: Record<number, [string, Code]> = {
  1: ["PROTOCOL_ERROR", Code.Internal], 2: ["INTERNAL_ERROR", Code.Internal], 3: ["FLOW_CONTROL_ERROR", Code.Internal],
  4: ["SETTINGS_TIMEOUT", Code.Internal], 6: ["FRAME_SIZE_ERROR", Code.Internal], 7: ["REFUSED_STREAM", Code.Unavailable],
  8: ["CANCEL", Code.Canceled], 9: ["COMPRESSION_ERROR", Code.Internal], 10: ["CONNECT_ERROR", Code.Internal],
  11: ["ENHANCE_YOUR_CALM", Code.ResourceExhausted], 12: ["INADEQUATE_SECURITY", Code.PermissionDenied],
  13: ["HTTP_1_1_REQUIRED", Code.PermissionDenied],
};

/** What connect-node makes of an HTTP/2 reset code (its `connectErrorFromH2ResetCode`). */
function errorFromResetCode(rstCode: number | undefined): ConnectError | undefined {
  const known = rstCode === undefined ? undefined : resetCodes[rstCode];
  if (!known) return undefined;
  return new ConnectError(`http/2 stream closed with error code ${known[0]} (0x${rstCode!.toString(16)})`, known[1]);
}
