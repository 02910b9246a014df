import { createRedisPubSub } from "../../redis-pubsub.ts";
import type { Broker } from "../interface.ts";
import { decodeDeliveries, encodeDeliveries } from "./envelope.ts";

/** Options of {@link createRedisBroker}. */
export interface RedisBrokerOptions {
  /** Where Redis is: `redis://host:port`, or a Cluster or Sentinel URL (see redis-endpoint.ts). */
  url: string;
  /** Prefix of the channel names ("chat:" by default, giving `chat:node:<nodeId>`). */
  keyPrefix?: string;
  /** Told about a payload that could not be decoded (it is dropped). */
  onError?: (error: unknown) => void;
}

/**
 * A broker over Redis pub/sub: one channel per node, and one publish per batch of deliveries to a
 * node (see envelope.ts for the bytes). On a Redis Cluster the node channels are sharded channels,
 * spread over the shards (see redis-pubsub.ts).
 *
 * At most once, as the interface says: a payload published while the target node is not subscribed
 * (down, or reconnecting) is gone.
 */
export function createRedisBroker(options: RedisBrokerOptions): Broker {
  const prefix = options.keyPrefix ?? "chat:";
  const channel = (nodeId: string) => `${prefix}node:${nodeId}`;
  const pubsub = createRedisPubSub(options.url, "chat-broker", (err) => options.onError?.(err));

  return {
    async publish(nodeId, deliveries) {
      if (deliveries.length === 0) return;
      await pubsub.publish(channel(nodeId), encodeDeliveries(deliveries));
    },
    async subscribe(nodeId, handler) {
      await pubsub.subscribe(channel(nodeId), (payload) => handler(decodeDeliveries(payload)));
    },
    async close() {
      await pubsub.close();
    },
  };
}
