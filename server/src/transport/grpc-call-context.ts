import { Code, ConnectError, type ContextKey, type ContextValues, type HandlerContext } from "@connectrpc/connect";
import type { DescMethod, DescService } from "@bufbuild/protobuf";

/**
 * connect-es's `ContextValues` as one object whose methods live on its prototype: what
 * `createContextValues()` does (values under their key's symbol, on the object itself), without its
 * three closures per call, which every idle device's stream kept (issue 12's heap census).
 */
export class CallContextValues implements ContextValues {
  get<T>(key: ContextKey<T>): T {
    return key.id in this ? (this as unknown as Record<symbol, T>)[key.id]! : key.defaultValue;
  }

  set<T>(key: ContextKey<T>, value: T): this {
    (this as unknown as Record<symbol, T>)[key.id] = value;
    return this;
  }

  delete(key: ContextKey<unknown>): this {
    delete (this as unknown as Record<symbol, unknown>)[key.id];
    return this;
  }
}

/** What a call on the fast path is, as its handler context says it. */
export interface GrpcCallContextInit {
  service: DescService;
  method: DescMethod;
  url: string;
  /** The client's `grpc-timeout`, parsed; undefined for none. */
  timeoutMs: number | undefined;
  requestHeader: Headers;
  responseHeader: Headers;
  responseTrailer: Headers;
  values: ContextValues;
}

/**
 * The handler context of one gRPC call served straight on its HTTP/2 stream (grpc-stream.ts): what
 * connect-es's `createHandlerContext` makes, with the same signal semantics, at a fraction of the
 * memory an open call holds. connect-es links three AbortControllers (the request's, the deadline's,
 * and the call's), each signal with its listener map, copies the request headers into a second
 * `Headers`, and makes five closures; a live stream keeps all of it for as long as it is open. Here
 * one controller is aborted by whichever comes first (the client's reset, the `grpc-timeout`
 * deadline, the end of the call), with the reason connect-es's linked signal would carry: the
 * reset's error (an AbortError for none), DeadlineExceeded "the operation timed out", or what the
 * call ended with.
 */
export class GrpcCallContext implements HandlerContext {
  readonly service: DescService;
  readonly method: DescMethod;
  readonly requestMethod = "POST";
  readonly protocolName = "grpc";
  readonly url: string;
  readonly requestHeader: Headers;
  readonly responseHeader: Headers;
  readonly responseTrailer: Headers;
  readonly values: ContextValues;
  readonly timeoutMs: () => number | undefined;
  private readonly controller = new AbortController();
  private readonly deadline: NodeJS.Timeout | undefined;

  constructor(init: GrpcCallContextInit) {
    this.service = init.service;
    this.method = init.method;
    this.url = init.url;
    this.requestHeader = init.requestHeader;
    this.responseHeader = init.responseHeader;
    this.responseTrailer = init.responseTrailer;
    this.values = init.values;
    const { timeoutMs } = init;
    if (timeoutMs === undefined) {
      this.timeoutMs = noTimeout;
      return;
    }
    const due = Date.now() + timeoutMs;
    this.timeoutMs = () => due - Date.now();
    if (timeoutMs <= 0) this.controller.abort(timedOut());
    else this.deadline = setTimeout(abortAtDeadline, timeoutMs, this.controller);
  }

  /** Aborted once the client resets the stream, the deadline passes, or the call ends ({@link abort}). */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Ends the call's signal: with `reason` when it is the first to (the end of the call, or the client's reset). */
  abort(reason?: unknown): void {
    clearTimeout(this.deadline);
    if (!this.controller.signal.aborted) this.controller.abort(reason);
  }
}

/** The `timeoutMs()` of every call without a deadline. */
function noTimeout(): undefined {
  return undefined;
}

/** connect-es's deadline error (its createDeadlineSignal). */
function timedOut(): ConnectError {
  return new ConnectError("the operation timed out", Code.DeadlineExceeded);
}

function abortAtDeadline(controller: AbortController): void {
  if (!controller.signal.aborted) controller.abort(timedOut());
}
