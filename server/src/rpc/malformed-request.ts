import { Code, ConnectError, type ConnectRouter, createContextKey, type Interceptor } from "@connectrpc/connect";
import type { UniversalHandler, UniversalServerRequest, UniversalServerResponse } from "@connectrpc/connect/protocol";

/*
 * connect-es decodes requests with the same code it uses for responses, so bytes that are no valid
 * message (a truncated field, an endless varint, invalid UTF-8 in a string, a compressed envelope
 * without an encoding) fail with `internal` ("parse binary: …"): HTTP 500 / grpc-status 13, which
 * blames the server and pages an operator. Here they become `invalid_argument`, once for every RPC:
 * - streams: the request messages reach the implementation through the interceptors, so the
 *   interceptor wraps them and renames what reading them throws;
 * - unary calls: the library decodes the request before any interceptor runs, and serializes the
 *   error itself, so the router's handlers are wrapped and rename an `internal` answer given before
 *   the call reached the interceptors (nothing but decoding happens there).
 */

/** Prefix the renamed errors carry, so clients and logs see why. */
const renamedPrefix = "malformed request: ";

/** Whether the call reached the interceptors; `internal` before that can only come from decoding. */
const reachedKey = createContextKey<{ reached: boolean }>({ reached: false }, { description: "call reached the interceptors" });

/** The outermost interceptor: marks the call as decoded, and renames stream decoding errors. */
export function malformedRequestInterceptor(): Interceptor {
  return (next) => async (req) => {
    req.contextValues.set(reachedKey, { reached: true });
    if (!req.stream) return next(req);
    return next({ ...req, message: renameReadErrors(req.message) });
  };
}

/** Wraps every handler registered so far on the router (call after registering every service). */
export function answerMalformedRequests(router: ConnectRouter): void {
  router.handlers.forEach((handler, i) => {
    router.handlers[i] = withMalformedAsInvalidArgument(handler);
  });
}

/**
 * The request messages with what reading them throws renamed. A plain iterator over the request's
 * own rather than an async generator delegating to it: every client frame of every stream passes
 * here, and the generator cost two more promises and microtask hops per frame.
 */
function renameReadErrors<T>(messages: AsyncIterable<T>): AsyncIterable<T> {
  return new RenamedReadErrors(messages);
}

/**
 * The iterable of {@link renameReadErrors} and its iterators: methods on prototypes, where object
 * literals made three closures per stream that a live stream keeps while open (issue 12's heap census).
 */
class RenamedReadErrors<T> implements AsyncIterable<T> {
  private readonly messages: AsyncIterable<T>;

  constructor(messages: AsyncIterable<T>) {
    this.messages = messages;
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return new RenamingIterator(this.messages[Symbol.asyncIterator]());
  }
}

class RenamingIterator<T> implements AsyncIterator<T> {
  private readonly inner: AsyncIterator<T>;

  constructor(inner: AsyncIterator<T>) {
    this.inner = inner;
  }

  next(): Promise<IteratorResult<T>> {
    return this.inner.next().catch(rethrowRenamed);
  }

  return(value?: unknown): Promise<IteratorResult<T>> {
    return this.inner.return?.(value) ?? Promise.resolve({ done: true, value: value as T });
  }
}

function rethrowRenamed(err: unknown): never {
  throw asInvalidArgument(ConnectError.from(err));
}

function asInvalidArgument(err: ConnectError): ConnectError {
  if (err.code !== Code.Internal) return err;
  return new ConnectError(renamedPrefix + err.rawMessage, Code.InvalidArgument, err.metadata, undefined, err);
}

function withMalformedAsInvalidArgument(handler: UniversalHandler): UniversalHandler {
  const wrapped = async (req: UniversalServerRequest): Promise<UniversalServerResponse> => {
    const res = await handler(req);
    if (req.contextValues?.get(reachedKey).reached) return res;
    const type = req.header.get("content-type") ?? "";
    if (type.startsWith("application/grpc-web")) return { ...res, body: res.body && renameGrpcWebTrailer(res.body) };
    if (type.startsWith("application/grpc")) return renameGrpcTrailer(res);
    if (!type.startsWith("application/connect+") && res.status === 500) return renameConnectUnary(res);
    return res;
  };
  return Object.assign(wrapped, handler);
}

/** gRPC: the status is a trailer, written once the body is through. */
function renameGrpcTrailer(res: UniversalServerResponse): UniversalServerResponse {
  const rename = () => {
    if (res.trailer?.get("grpc-status") !== String(Code.Internal)) return;
    res.trailer.set("grpc-status", String(Code.InvalidArgument));
    res.trailer.set("grpc-message", encodeURIComponent(renamedPrefix + decodeURIComponent(res.trailer.get("grpc-message") ?? "")));
  };
  rename();
  if (!res.body) return res;
  const body = res.body;
  return { ...res, body: (async function* () { try { yield* body; } finally { rename(); } })() };
}

/** gRPC-Web: the status is a text envelope (flag 0x80) at the end of the body. */
async function* renameGrpcWebTrailer(body: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  for await (const chunk of body) {
    const length = chunk.byteLength >= 5 ? new DataView(chunk.buffer, chunk.byteOffset).getUint32(1) : -1;
    if (chunk[0] !== 0x80 || length !== chunk.byteLength - 5) {
      yield chunk;
      continue;
    }
    const text = new TextDecoder().decode(chunk.subarray(5));
    const renamed = text.replace(/^grpc-status: *13\r$/m, `grpc-status: ${Code.InvalidArgument}\r`)
      .replace(/^grpc-message: *(.*)\r$/m, (_, m: string) => `grpc-message: ${encodeURIComponent(renamedPrefix + decodeURIComponent(m))}\r`);
    const data = new TextEncoder().encode(renamed);
    const out = new Uint8Array(5 + data.byteLength);
    out[0] = 0x80;
    new DataView(out.buffer).setUint32(1, data.byteLength);
    out.set(data, 5);
    yield out;
  }
}

/** Connect unary: the status is the HTTP status plus a small JSON body. */
async function renameConnectUnary(res: UniversalServerResponse): Promise<UniversalServerResponse> {
  if (res.header?.has("content-encoding")) return res; // compressed: only large bodies are, and errors are small
  const chunks: Uint8Array[] = [];
  for await (const chunk of res.body ?? []) chunks.push(chunk);
  const error = parseError(Buffer.concat(chunks));
  if (error?.code !== "internal") return { ...res, body: (async function* () { yield* chunks; })() };
  const body = new TextEncoder().encode(JSON.stringify({ ...error, code: "invalid_argument", message: renamedPrefix + (error.message ?? "") }));
  const header = new Headers(res.header);
  header.set("content-length", String(body.byteLength));
  return { ...res, status: 400, header, body: (async function* () { yield body; })() };
}

function parseError(bytes: Uint8Array): { code?: string; message?: string } | undefined {
  try {
    return JSON.parse(Buffer.from(bytes).toString("utf8")) as { code?: string; message?: string };
  } catch {
    return undefined; // not a Connect error body: passed on unchanged
  }
}
