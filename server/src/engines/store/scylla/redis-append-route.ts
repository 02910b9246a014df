import { randomInt } from "node:crypto";
import { SpanKind } from "@opentelemetry/api";
import { currentTraceparent, inSpan } from "../../../observability/tracing.ts";
import { isRedisCluster } from "../../redis-client.ts";
import { createRedisPubSub } from "../../redis-pubsub.ts";
import { TurnBatches } from "../../turn-batches.ts";
import type { NewMessage } from "../interface.ts";
import { StoreUnavailable } from "../interface.ts";
import { type AppendReply, type AppendRequest, decodeReplies, decodeRequests, encodeReplies, encodeRequests } from "./append-codec.ts";
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

/** A forward in the previous release's JSON, still answered (in JSON) during a rolling upgrade. */
interface LegacyRequest {
  id: string;
  from: string;
  message: Omit<NewMessage, "sentAt"> & { sentAt: number };
  traceparent?: string;
}

/** Forwards waiting for an answer at most; beyond it new ones fail fast (the owner is not keeping up). */
const maxWaiting = 20_000;
/** First byte of a JSON payload: a node of the previous release. */
const jsonMark = 0x7b;

/**
 * Appends forwarded over Redis pub/sub: a request channel per node, `chat:{seq}:append:<node>`,
 * and an answer channel per node, `chat:{seq}:answer:<node>`. On a Redis Cluster they are sharded
 * channels without the `{seq}` tag (`chat:append:<node>`), so that they spread over the shards; on one
 * Redis the tag stays, so that nodes of the previous release still reach them during a rolling
 * upgrade (no Cluster ran that release). A request published while its owner is not subscribed is
 * lost: the sender's deadline turns that into {@link ForwardFailed}, never into a silent drop.
 *
 * Coalesced and binary (append-codec.ts): the forwards a node makes to one owner in one event-loop
 * turn go out as one PUBLISH, and the answers an owner has for one node in one turn come back as one
 * (its batch writes settle many sends at once). A request of the previous release (JSON) is still
 * served and answered in JSON; this release's requests reach only nodes of this release, so during
 * a rolling upgrade a send whose owner is still old waits for that owner's lease to move (its
 * forwards time out, the sender's router reads the lease again) or fails with `Unavailable`.
 */
export function createRedisAppendRoute(options: RedisAppendRouteOptions): AppendRoute {
  const prefix = isRedisCluster(options.url) ? "chat:" : "chat:{seq}:";
  const requests = (nodeId: string) => `${prefix}append:${nodeId}`;
  const answersOf = (nodeId: string) => `${prefix}answer:${nodeId}`;
  const pubsub = createRedisPubSub(options.url, "chat-append", options.onError);
  // Answers carry it back: an answer meant for an earlier process with this node id is dropped.
  const incarnation = randomInt(0, 2 ** 32);
  let lastId = 0;
  const waiting = new Map<number, { resolve: (a: Appended) => void; reject: (e: Error) => void; message: NewMessage }>();
  let handler: AppendHandler | undefined;

  const fail = (id: number, error: Error) => waiting.get(id)?.reject(error);
  const outgoing = new TurnBatches<AppendRequest>((nodeId, batch) => {
    pubsub.publish(requests(nodeId), encodeRequests({ from: options.nodeId, incarnation, requests: batch })).catch((err: unknown) => {
      for (const r of batch) fail(r.id, new ForwardFailed(`could not reach node ${nodeId}: ${(err as Error).message}`));
    });
  });
  // Keyed by `<incarnation>:<node id>`: one answer batch per asking process.
  const answering = new TurnBatches<AppendReply>((place, replies) => {
    const cut = place.indexOf(":");
    pubsub.publish(answersOf(place.slice(cut + 1)), encodeReplies({ incarnation: Number(place.slice(0, cut)), replies })).catch(options.onError);
  });

  /** Runs the handler on one forwarded message, inside the sender's trace when it sent one. */
  const serveOne = (message: NewMessage, traceparent: string | undefined): Promise<Appended> => {
    const h = handler;
    if (!h) return Promise.reject(new NotOwner("no sequencer here yet"));
    return inSpan("store.appendForwarded", () => h(message), traceparent, SpanKind.SERVER);
  };
  const onRequests = (payload: Buffer) => {
    if (payload[0] === jsonMark) return serveLegacy(JSON.parse(payload.toString()) as LegacyRequest);
    const batch = decodeRequests(payload);
    const place = `${batch.incarnation}:${batch.from}`;
    for (const r of batch.requests) {
      serveOne(r.message, r.traceparent || undefined).then(
        (a) => answering.add(place, a.refused
          ? { id: r.id, ok: false, kind: "refused", error: a.refused }
          : { id: r.id, ok: true, seq: a.message.seq, sentAt: a.message.sentAt.getTime(), duplicate: a.duplicate, leaseLeftMs: a.leaseLeftMs ?? 0 }),
        (err: Error) => answering.add(place, { id: r.id, ok: false, kind: kindOf(err), error: err.message }),
      );
    }
  };
  const serveLegacy = (request: LegacyRequest) => {
    const reply = (r: object) => pubsub.publish(answersOf(request.from), JSON.stringify({ id: request.id, ...r }));
    serveOne({ ...request.message, sentAt: new Date(request.message.sentAt) }, request.traceparent).then(
      (a) => reply(a.refused ? { error: a.refused, kind: "refused" } : { seq: a.message.seq, sentAt: a.message.sentAt.getTime(), duplicate: a.duplicate }),
      (err: Error) => reply({ error: err.message, kind: kindOf(err) }),
    ).catch(options.onError);
  };
  // A payload that does not decode throws here, and pubsub reports it.
  const onAnswers = (payload: Buffer) => {
    const batch = decodeReplies(payload);
    if (batch.incarnation !== incarnation) return; // meant for an earlier process with this node id
    for (const r of batch.replies) {
      const w = waiting.get(r.id);
      if (!w) continue; // answered after its deadline
      if (!r.ok) w.reject(new ForwardedError(r.error, r.kind));
      else w.resolve({ message: { ...storedFields(w.message), seq: r.seq, sentAt: new Date(r.sentAt) }, duplicate: r.duplicate, leaseLeftMs: r.leaseLeftMs });
    }
  };
  const subscribed = pubsub.subscribe(answersOf(options.nodeId), onAnswers);

  return {
    async serve(nodeId, h) {
      handler = h;
      await pubsub.subscribe(requests(nodeId), onRequests);
    },
    async forward(nodeId, message, timeoutMs) {
      await subscribed;
      if (waiting.size >= maxWaiting) throw new ForwardFailed(`${maxWaiting} forwards already wait for an answer`);
      const id = (lastId = (lastId + 1) % 2 ** 32);
      return new Promise<Appended>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(id);
          reject(new ForwardFailed(`node ${nodeId} did not answer within ${timeoutMs} ms`));
        }, timeoutMs);
        const settle = <T>(f: (v: T) => void) => (v: T) => {
          clearTimeout(timer);
          waiting.delete(id);
          f(v);
        };
        waiting.set(id, { resolve: settle(resolve), reject: settle(reject), message });
        outgoing.add(nodeId, { id, message, traceparent: currentTraceparent() ?? "" });
      });
    },
    async close() {
      for (const w of [...waiting.values()]) w.reject(new ForwardFailed("the route is closing"));
      waiting.clear();
      await pubsub.close();
    },
  };
}

/** A forwarded message as stored: without an update's change, which lives in its target. */
function storedFields(m: NewMessage): NewMessage {
  const { change: _change, ...fields } = m;
  return fields;
}

function kindOf(err: Error): ForwardedKind {
  if (err instanceof NotOwner) return "notOwner";
  return err instanceof StoreUnavailable ? "unavailable" : "failed";
}
