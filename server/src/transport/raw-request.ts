import http2 from "node:http2";
import type http from "node:http";
import type net from "node:net";
import { Code, type ConnectError, createContextKey, type ContextValues, type HandlerContext } from "@connectrpc/connect";
import { CallContextValues } from "./grpc-call-context.ts";

/**
 * The Node request under an RPC (HTTP/1.1 or HTTP/2), or the bare HTTP/2 stream and its socket for
 * calls served without Node's compatibility layer (the gRPC fast path).
 */
export type RawRequest = http.IncomingMessage | http2.Http2ServerRequest | { stream: http2.ServerHttp2Stream; socket: net.Socket };

/** The Node request under an RPC, for what only the transport can do (resetting a stuck stream). */
export const rawRequestKey = createContextKey<RawRequest | undefined>(undefined, { description: "node request" });

/**
 * For `connectNodeAdapter({ contextValues })`: makes the raw request reachable from handlers. The
 * values' methods are shared (CallContextValues), since a live stream keeps its values while open.
 */
export function rawRequestContext(req: RawRequest): ContextValues {
  return new CallContextValues().set(rawRequestKey, req);
}

/**
 * Ends a stream at once, even when the client has stopped reading and the error trailer is stuck
 * behind unread data. HTTP/2 gets RST_STREAM: ENHANCE_YOUR_CALM for ResourceExhausted (gRPC clients
 * report it as RESOURCE_EXHAUSTED), CANCEL otherwise. HTTP/1.1 can only drop the connection.
 */
export function resetRequest(req: RawRequest | undefined, error: ConnectError): void {
  if (!req) return;
  if ("stream" in req) {
    const { NGHTTP2_ENHANCE_YOUR_CALM, NGHTTP2_CANCEL } = http2.constants;
    if (!req.stream.closed) req.stream.close(error.code === Code.ResourceExhausted ? NGHTTP2_ENHANCE_YOUR_CALM : NGHTTP2_CANCEL);
  } else {
    req.socket.destroy();
  }
}

/** Requests whose per-address limits were applied before routing (by the password gate). */
const addressChecked = new WeakSet<RawRequest>();

/** Marks `req` as having passed its per-address limits before routing, so that they are not applied twice. */
export function markAddressChecked(req: RawRequest): void {
  addressChecked.add(req);
}

/**
 * The client's address, for the limits per address ("unknown" when the transport does not say), and
 * whether those limits were already applied to this call before routing.
 */
export function originOf(ctx: HandlerContext): { ip: string; addressChecked: boolean } {
  const raw = ctx.values.get(rawRequestKey);
  return { ip: raw?.socket?.remoteAddress ?? "unknown", addressChecked: !!raw && addressChecked.has(raw) };
}
