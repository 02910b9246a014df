import { closeRedis, createRedisClient, isRedisCluster } from "./redis-client.ts";

/** Pub/sub over the engines' Redis, for the broker, the control plane and the append route. */
export interface RedisPubSub {
  /** Publishes to every subscriber of `channel` (none: the payload is gone, at most once). */
  publish(channel: string, payload: Buffer | string): Promise<void>;
  /** Hands every payload published on `channel` to `onMessage`; a reconnect subscribes again. One listener per channel. */
  subscribe(channel: string, onMessage: (payload: Buffer) => void): Promise<void>;
  close(): Promise<void>;
}

/**
 * Two connections (Redis allows nothing but subscribing on a subscribed connection). On one server or
 * Sentinel: PUBLISH/SUBSCRIBE. On a Redis Cluster: sharded pub/sub (SPUBLISH/SSUBSCRIBE, Redis 7),
 * where a channel lives on the shard that owns its hash slot, so that a publish costs one shard
 * rather than crossing the cluster bus to every node as a cluster-wide PUBLISH does: node channels
 * spread over the shards and throughput grows with them. ioredis's `shardedSubscribers` keeps one
 * subscriber per master and moves channels after a resharding or failover.
 *
 * A listener that throws is reported to `onError`, never to ioredis's emitter.
 */
export function createRedisPubSub(url: string, name: string, onError: (error: unknown) => void): RedisPubSub {
  const sharded = isRedisCluster(url);
  const publisher = createRedisClient(url, `${name}-publish`, onError);
  const subscriber = createRedisClient(url, `${name}-subscribe`, onError);
  const listeners = new Map<string, (payload: Buffer) => void>();
  subscriber.on(sharded ? "smessageBuffer" : "messageBuffer", (channel: Buffer, payload: Buffer) => {
    const listener = listeners.get(channel.toString());
    if (!listener) return;
    try {
      listener(payload);
    } catch (err) {
      onError(err);
    }
  });
  return {
    async publish(channel, payload) {
      await (sharded ? publisher.spublish(channel, payload) : publisher.publish(channel, payload));
    },
    async subscribe(channel, onMessage) {
      listeners.set(channel, onMessage);
      await (sharded ? subscriber.ssubscribe(channel) : subscriber.subscribe(channel));
    },
    async close() {
      listeners.clear();
      await Promise.all([closeRedis(publisher), closeRedis(subscriber)]);
    },
  };
}
