import { createRedisClient } from "../../redis-client.ts";
import type { Broker, DeliveryHandler } from "../interface.ts";
import { decodeDeliveries, encodeDeliveries } from "./envelope.ts";

/** Options of {@link createRedisBroker}. */
export interface RedisBrokerOptions {
  /** `redis://host:port`. */
  url: string;
  /** Prefix of the channel names ("chat:" by default, giving `chat:node:<nodeId>`). */
  keyPrefix?: string;
  /** Told about a payload that could not be decoded (it is dropped). */
  onError?: (error: unknown) => void;
}

/**
 * A broker over Redis pub/sub: one channel per node, and one publish per batch of deliveries to a
 * node (see envelope.ts for the bytes). Subscribing needs a connection of its own, as Redis allows
 * nothing else on a subscribed connection; ioredis subscribes it again after a reconnect.
 *
 * At most once, as the interface says: a payload published while the target node is not subscribed
 * (down, or reconnecting) is gone.
 */
export function createRedisBroker(options: RedisBrokerOptions): Broker {
  const prefix = options.keyPrefix ?? "chat:";
  const channel = (nodeId: string) => `${prefix}node:${nodeId}`;
  const publisher = createRedisClient(options.url, "chat-broker-publish", (err) => options.onError?.(err));
  const subscriber = createRedisClient(options.url, "chat-broker-subscribe", (err) => options.onError?.(err));
  const handlers = new Map<string, DeliveryHandler>();
  subscriber.on("messageBuffer", (name: Buffer, payload: Buffer) => {
    const handler = handlers.get(name.toString());
    if (!handler) return;
    try {
      handler(decodeDeliveries(payload));
    } catch (err) {
      options.onError?.(err);
    }
  });

  return {
    async publish(nodeId, deliveries) {
      if (deliveries.length === 0) return;
      await publisher.publish(channel(nodeId), encodeDeliveries(deliveries));
    },
    async subscribe(nodeId, handler) {
      handlers.set(channel(nodeId), handler);
      await subscriber.subscribe(channel(nodeId));
    },
    async close() {
      handlers.clear();
      await Promise.all([publisher, subscriber].map((r) => r.quit().catch(() => r.disconnect()))); // Redis down: no polite goodbye
    },
  };
}
