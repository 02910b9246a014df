import { createRedisPubSub } from "../../redis-pubsub.ts";
import type { ControlHandler, ControlPlane } from "../interface.ts";
import { decodeCommand, encodeCommand } from "./control-codec.ts";

/** Options of {@link createRedisControlPlane}. */
export interface RedisControlPlaneOptions {
  /** Where Redis is: `redis://host:port`, or a Cluster or Sentinel URL (see redis-endpoint.ts). */
  url: string;
  /** Prefix of the channel name ("chat:" by default, giving `chat:control`). */
  keyPrefix?: string;
  /** Told about connection errors and payloads that could not be decoded (they are dropped). */
  onError?: (error: unknown) => void;
}

/**
 * A control plane over one Redis pub/sub channel that every node subscribes to (a sharded channel
 * on a Redis Cluster, see redis-pubsub.ts); a reconnect subscribes again. At most once, as the
 * interface says: a node reconnecting while a command goes out misses it.
 */
export function createRedisControlPlane(options: RedisControlPlaneOptions): ControlPlane {
  const channel = `${options.keyPrefix ?? "chat:"}control`;
  const onError = options.onError ?? (() => {});
  const pubsub = createRedisPubSub(options.url, "chat-control", onError);
  const handlers = new Map<string, ControlHandler>();
  const onMessage = (payload: Buffer) => {
    const command = decodeCommand(payload.toString()); // a malformed one throws: pubsub reports it
    for (const handler of handlers.values()) handler(command);
  };
  let subscribed: Promise<unknown> | undefined;

  return {
    async publish(command) {
      await pubsub.publish(channel, encodeCommand(command));
    },
    async subscribe(nodeId, handler) {
      handlers.set(nodeId, handler);
      await (subscribed ??= pubsub.subscribe(channel, onMessage));
    },
    async close() {
      handlers.clear();
      await pubsub.close();
    },
  };
}
