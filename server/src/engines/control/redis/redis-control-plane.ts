import { createRedisClient } from "../../redis-client.ts";
import type { ControlHandler, ControlPlane } from "../interface.ts";
import { decodeCommand, encodeCommand } from "./control-codec.ts";

/** Options of {@link createRedisControlPlane}. */
export interface RedisControlPlaneOptions {
  /** `redis://host:port`. */
  url: string;
  /** Prefix of the channel name ("chat:" by default, giving `chat:control`). */
  keyPrefix?: string;
  /** Told about connection errors and payloads that could not be decoded (they are dropped). */
  onError?: (error: unknown) => void;
}

/**
 * A control plane over one Redis pub/sub channel that every node subscribes to. Subscribing needs
 * a connection of its own; ioredis subscribes it again after a reconnect. At most once, as the
 * interface says: a node reconnecting while a command goes out misses it.
 */
export function createRedisControlPlane(options: RedisControlPlaneOptions): ControlPlane {
  const channel = `${options.keyPrefix ?? "chat:"}control`;
  const onError = options.onError ?? (() => {});
  const publisher = createRedisClient(options.url, "chat-control-publish", onError);
  const subscriber = createRedisClient(options.url, "chat-control-subscribe", onError);
  const handlers = new Map<string, ControlHandler>();
  subscriber.on("message", (name: string, payload: string) => {
    if (name !== channel) return;
    try {
      const command = decodeCommand(payload);
      for (const handler of handlers.values()) handler(command);
    } catch (err) {
      onError(err);
    }
  });
  let subscribed: Promise<unknown> | undefined;

  return {
    async publish(command) {
      await publisher.publish(channel, encodeCommand(command));
    },
    async subscribe(nodeId, handler) {
      handlers.set(nodeId, handler);
      await (subscribed ??= subscriber.subscribe(channel));
    },
    async close() {
      handlers.clear();
      await Promise.all([publisher, subscriber].map((r) => r.quit().catch(() => r.disconnect()))); // Redis down: no polite goodbye
    },
  };
}
