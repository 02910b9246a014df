import { Code, ConnectError, type ConnectRouter, type HandlerContext } from "@connectrpc/connect";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { LiveService, type ServerFrame, type StreamRequest, StreamResponseSchema, SubscribeResponseSchema } from "@chat/gen/chat/v1/live_pb.js";
import { callerOf } from "../auth/interceptor.ts";
import type { Chat } from "../core/chat.ts";
import type { Connection } from "../core/live/connection.ts";
import { rawRequestKey, resetRequest } from "../transport/raw-request.ts";
import { clientMessageIdOf, frameError } from "../core/live/live.ts";
import { frameRefusal, frameVisible } from "./bot-scope.ts";
import { type FrameResponseSchema, frameResponse } from "./frame-encoding.ts";

/**
 * chat.v1.LiveService. `Stream` (bidirectional) and `Subscribe` (server streaming) both open a
 * Connection in the core and write its frames out; the unary calls are the browser's way to send
 * what a bidirectional client sends as frames, through the same core methods.
 */
export function registerLiveService(router: ConnectRouter, chat: Chat): void {
  router.service(LiveService, {
    async *stream(requests, ctx) {
      yield* frames(await openStream(chat, requests, ctx), ctx, StreamResponseSchema);
    },
    async *subscribe(req, ctx) {
      const connection = await chat.live.open(callerOf(ctx));
      chat.live.resume(connection, req.resume?.cursors ?? [], "", req.resume?.maxBatch).catch((err) => connection.close(ConnectError.from(err)));
      yield* frames(connection, ctx, SubscribeResponseSchema);
    },
    // Every unary call proves the calling device is there, wherever its Subscribe stream lives.
    async sendMessage(req, ctx) {
      touch(chat, ctx);
      return chat.messages.send(callerOf(ctx), req);
    },
    async editMessage(req, ctx) {
      touch(chat, ctx);
      return chat.updates.edit(callerOf(ctx), req);
    },
    async deleteMessage(req, ctx) {
      touch(chat, ctx);
      return chat.updates.delete(callerOf(ctx), req);
    },
    async setReaction(req, ctx) {
      touch(chat, ctx);
      return chat.updates.react(callerOf(ctx), req);
    },
    async markDelivered(req, ctx) {
      touch(chat, ctx);
      return { state: await chat.receipts.mark(callerOf(ctx), "delivered", req.conversationId, req.seq) };
    },
    async markRead(req, ctx) {
      touch(chat, ctx);
      return { state: await chat.receipts.mark(callerOf(ctx), "read", req.conversationId, req.seq) };
    },
    async setTyping(req, ctx) {
      touch(chat, ctx);
      await chat.live.setTyping(callerOf(ctx), req.conversationId, req.typing);
      return {};
    },
    async heartbeat(_req, ctx) {
      await chat.live.touch(callerOf(ctx));
      return {};
    },
  });
}

/**
 * Opens the core's side of one LiveService.Stream call and starts reading its client frames into it:
 * what every transport of Stream shares (connect-node's handler above, and the gRPC fast path).
 */
export async function openStream(chat: Chat, requests: AsyncIterable<StreamRequest>, ctx: HandlerContext): Promise<Connection> {
  const connection = await chat.live.open(callerOf(ctx));
  void readFrames(requests, connection, chat, ctx);
  return connection;
}

/**
 * Reads a bidirectional stream's client frames into the core. A frame the server cannot read ends
 * the stream with the reason: ResourceExhausted over the size limit, InvalidArgument for bytes that
 * are no StreamRequest (renamed from the library's Internal by malformed-request.ts).
 *
 * Half-closing the request side does not end the stream: gRPC's two directions are independent, and
 * grpcurl or buf curl half-close as soon as their input is sent, yet their users want to see what
 * arrives next. The stream then ends when the client cancels, when the server shuts down, or after
 * the heartbeat timeout (DeadlineExceeded) unless the device keeps it alive with unary Heartbeat calls.
 */
async function readFrames(requests: AsyncIterable<StreamRequest>, connection: Connection, chat: Chat, ctx: HandlerContext): Promise<void> {
  try {
    for await (const req of requests) {
      const refused = connection.caller.scope ? await frameRefusal(connection.caller, req, chat.bots) : undefined;
      if (refused) connection.send(frameError(req.requestId, refused, clientMessageIdOf(req)));
      else {
        const admitted = chat.live.receive(connection, req); // undefined: handled, the next frame may be read
        if (admitted !== undefined) await admitted;
      }
    }
  } catch (err) {
    if (ctx.signal.aborted) return connection.close(abortError(ctx.signal)); // the client went away, or the deadline passed
    connection.close(readError(ConnectError.from(err)));
  }
}

/** The error that ends a stream whose next client frame could not be read. */
function readError(err: ConnectError): ConnectError {
  if (err.code === Code.ResourceExhausted) return new ConnectError(`client frame too large: ${err.rawMessage}`, Code.ResourceExhausted);
  if (err.code === Code.InvalidArgument) return new ConnectError(`client frame is not a valid chat.v1.StreamRequest: ${err.rawMessage}`, Code.InvalidArgument);
  return err;
}

/** Counts a unary call as a heartbeat of its device without delaying the call's own work. */
function touch(chat: Chat, ctx: HandlerContext): void {
  chat.live.touch(callerOf(ctx)).catch((err: unknown) => chat.live.reportError(err));
}

/** How long a stream closed with an error may take to write its error before it is reset. */
const resetGraceMs = 2_000;

/**
 * Writes a connection's frames until it closes or the client goes away. A client that stopped
 * reading never receives the error frame, so its stream is reset after a grace period.
 */
async function* frames<S extends FrameResponseSchema>(connection: Connection, ctx: HandlerContext, schema: S): AsyncGenerator<MessageInitShape<S>> {
  const finish = bindToCall(connection, ctx);
  try {
    for await (const batch of visibleBatches(connection)) yield frameResponse(schema, batch);
  } finally {
    finish();
  }
}

/**
 * Ties a connection to the call that writes it out: the client going away closes it, and once it is
 * closed with an error, the call's stream is reset unless its writer finished within the grace
 * period. Returns what the writer calls when it is done (it closes the connection too).
 */
export function bindToCall(connection: Connection, ctx: HandlerContext): () => void {
  const onAbort = () => connection.close(abortError(ctx.signal));
  ctx.signal.addEventListener("abort", onAbort);
  let finished = false;
  void connection.ended.then((error) => {
    if (error) setTimeout(() => finished || resetRequest(ctx.values.get(rawRequestKey), error), resetGraceMs).unref();
  });
  return () => {
    finished = true;
    ctx.signal.removeEventListener("abort", onAbort);
    connection.close();
  };
}

/**
 * What a call's abort ends its connection with: DeadlineExceeded once the deadline the client set
 * (`grpc-timeout`, `connect-timeout-ms`) has passed, which the client must be told (the gRPC spec),
 * where closing cleanly ended the call with status 0 as though the server had finished it; nothing
 * when the client went away (nobody to tell).
 */
function abortError(signal: AbortSignal): ConnectError | null {
  const reason: unknown = signal.reason;
  return reason instanceof ConnectError && reason.code === Code.DeadlineExceeded ? reason : null;
}

/** A connection's batches of frames as its client may see them (empty batches skipped). */
async function* visibleBatches(connection: Connection): AsyncGenerator<ServerFrame[]> {
  for await (const batch of connection.frames()) {
    const visible = visibleFrames(connection, batch);
    if (visible.length > 0) yield visible;
  }
}

/** The frames of a batch that the connection's client may see: a bot token limited to some conversations sees only theirs. */
export function visibleFrames(connection: Connection, batch: ServerFrame[]): ServerFrame[] {
  const { caller } = connection;
  return caller.scope ? batch.filter((f) => frameVisible(caller, f)) : batch;
}
