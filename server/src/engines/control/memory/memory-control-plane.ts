import type { ControlHandler, ControlPlane } from "../interface.ts";

/**
 * The control plane of the nodes of one process: a publish calls every node's handler on the next
 * microtask (never inside the publisher's call, as over Redis). One node alone uses it to reach
 * itself; tests share one instance between several in-process nodes.
 */
export function createMemoryControlPlane(): ControlPlane {
  const handlers = new Map<string, ControlHandler>();
  return {
    async publish(command) {
      for (const handler of handlers.values()) queueMicrotask(() => handler(structuredClone(command)));
    },
    async subscribe(nodeId, handler) {
      handlers.set(nodeId, handler);
    },
    async close() {
      handlers.clear();
    },
  };
}
