import type { Broker, DeliveryHandler } from "../interface.ts";

/**
 * A broker between the nodes of one process: a publish calls the target node's handler on the next
 * microtask. One node alone uses it to deliver to itself; tests use it to run several nodes in one
 * process. Frames for a node that is not subscribed are dropped, as they would be by Redis.
 */
export function createMemoryBroker(): Broker {
  const handlers = new Map<string, DeliveryHandler>();
  return {
    async publish(nodeId, deliveries) {
      const handler = handlers.get(nodeId);
      if (handler) queueMicrotask(() => handler([...deliveries]));
    },
    async subscribe(nodeId, handler) {
      handlers.set(nodeId, handler);
    },
    async close() {
      handlers.clear();
    },
  };
}
