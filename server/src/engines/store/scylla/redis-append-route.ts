import { randomUUID } from "node:crypto";
import { SpanKind } from "@opentelemetry/api";
import { currentTraceparent, inSpan } from "../../../observability/tracing.ts";
import { isRedisCluster } from "../../redis-client.ts";
import { createRedisPubSub } from "../../redis-pubsub.ts";
import type { NewMessage } from "../interface.ts";
import { StoreUnavailable } from "../interface.ts";
import { type Appended, type AppendHandler, type AppendRoute, ForwardedError, type ForwardedKind, ForwardFailed, NotOwner } from "./append-route.ts";

/** Options of {@link createRedisAppendRoute}. */
export interface RedisAppendRouteOptions {
  /** Where Redis is: `redis://host:port`, or a Cluster or Sentinel URL (see redis-endpoint.ts). */
  url: string;
  /** This node's id: where answers to its forwards come back. */
  nodeId: string;
  /** Told about a request or answer that could not be decoded (it is dropped). */
  onError: (error: unknown) => void;
}

/** A forward on the wire (JSON): the message, and where and under which id to answer. */
interface Request {
  id: string;
  from: string;
  message: Omit<NewMessage, "sentAt"> & { sentAt: number };
  /** The sender's W3C trace context while tracing is on (a field older nodes ignore). */
  traceparent?: string;
}
/** An owner's answer: the stored message, or an error. */
interface Reply {
  id: string;
  seq?: number;
  sentAt?: number;
  duplicate?: boolean;
  error?: string;
  kind?: ForwardedKind;
}

/** Forwards waiting for an answer at most; beyond it new ones fail fast (the owner is not keeping up). */
const maxWaiting = 20_000;

/**
 * Appends forwarded over Redis pub/sub: a request channel per node, `chat:{seq}:append:<node>`,
 * and an answer channel per node, `chat:{seq}:answer:<node>`. On a Redis Cluster they are sharded
 * channels without the `{seq}` tag (`chat:append:<node>`), so that they spread over the shards; on one
 * Redis the tag stays, so that nodes of the previous release still reach them during a rolling
 * upgrade (no Cluster ran that release). Two publishes per forwarded message, none for one the node
 * sequences itself. A request published while its owner is not subscribed is lost: the sender's
 * deadline turns that into {@link ForwardFailed}, never into a silent drop.
 */
export function createRedisAppendRoute(options: RedisAppendRouteOptions): AppendRoute {
  const prefix = isRedisCluster(options.url) ? "chat:" : "chat:{seq}:";
  const requests = (nodeId: string) => `${prefix}append:${nodeId}`;
  const answersOf = (nodeId: string) => `${prefix}answer:${nodeId}`;
  const answers = answersOf(options.nodeId);
  const pubsub = createRedisPubSub(options.url, "chat-append", options.onError);
  const waiting = new Map<string, { resolve: (a: Appended) => void; reject: (e: Error) => void; message: NewMessage }>();
  let handler: AppendHandler | undefined;

  const answer = (request: Request) => {
    const message: NewMessage = { ...request.message, sentAt: new Date(request.message.sentAt) };
    const reply = (r: Omit<Reply, "id">) => pubsub.publish(answersOf(request.from), JSON.stringify({ id: request.id, ...r }));
    const h = handler;
    // The owner's work joins the sender's trace (a span of its own when tracing is on).
    const served = h ? inSpan("store.appendForwarded", () => h(message), request.traceparent, SpanKind.SERVER) : Promise.reject(new NotOwner("no sequencer here yet"));
    served.then(
      (a) => reply({ seq: a.message.seq, sentAt: a.message.sentAt.getTime(), duplicate: a.duplicate }),
      (err: Error) => reply({ error: err.message, kind: kindOf(err) }),
    ).catch(options.onError);
  };
  // A payload that does not parse throws here, and pubsub reports it.
  const onAnswer = (payload: Buffer) => {
    const reply = JSON.parse(payload.toString()) as Reply;
    const w = waiting.get(reply.id);
    if (!w) return; // answered after its deadline
    waiting.delete(reply.id);
    if (reply.error !== undefined) w.reject(new ForwardedError(reply.error, reply.kind ?? "failed"));
    else w.resolve({ message: { ...w.message, seq: reply.seq!, sentAt: new Date(reply.sentAt!) }, duplicate: reply.duplicate === true });
  };
  const subscribed = pubsub.subscribe(answers, onAnswer);

  return {
    async serve(nodeId, h) {
      handler = h;
      await pubsub.subscribe(requests(nodeId), (payload) => answer(JSON.parse(payload.toString()) as Request));
    },
    async forward(nodeId, message, timeoutMs) {
      await subscribed;
      if (waiting.size >= maxWaiting) throw new ForwardFailed(`${maxWaiting} forwards already wait for an answer`);
      const id = randomUUID();
      const traceparent = currentTraceparent();
      const request: Request = { id, from: options.nodeId, message: { ...message, sentAt: message.sentAt.getTime() }, ...(traceparent ? { traceparent } : {}) };
      return new Promise<Appended>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(id);
          reject(new ForwardFailed(`node ${nodeId} did not answer within ${timeoutMs} ms`));
        }, timeoutMs);
        const settle = <T>(f: (v: T) => void) => (v: T) => { clearTimeout(timer); f(v); };
        waiting.set(id, { resolve: settle(resolve), reject: settle(reject), message });
        pubsub.publish(requests(nodeId), JSON.stringify(request)).catch((err: unknown) => {
          waiting.delete(id);
          settle(reject)(new ForwardFailed(`could not reach node ${nodeId}: ${(err as Error).message}`));
        });
      });
    },
    async close() {
      for (const w of waiting.values()) w.reject(new ForwardFailed("the route is closing"));
      waiting.clear();
      await pubsub.close();
    },
  };
}

function kindOf(err: Error): ForwardedKind {
  if (err instanceof NotOwner) return "notOwner";
  return err instanceof StoreUnavailable ? "unavailable" : "failed";
}
