import type { AppendResult, NewMessage } from "../interface.ts";

/**
 * What an append resolves: the stored message and whether an earlier send with its id stored it,
 * or why an update entry was refused.
 */
export type Appended = AppendResult & {
  /**
   * A forwarded append only: how long the owner could still act on its lease when it answered.
   * The sender keeps routing the slot there that long without reading the lease row again.
   */
  leaseLeftMs?: number;
};

/** Serves appends forwarded to this node (it owns their conversation's slot, or says it does not). */
export type AppendHandler = (message: NewMessage) => Promise<Appended>;

/**
 * How a node hands an append to the node that sequences its conversation. At most once and with a
 * deadline: a forward that gets no answer (the owner crashed, is paused, or the transport is down)
 * rejects with {@link ForwardFailed}, and the sender's node then looks at the lease again.
 *
 * Two implementations: {@link createMemoryAppendRoute} (stores in one process, as the contract suite
 * runs them) and redis-append-route.ts (nodes of a cluster).
 */
export interface AppendRoute {
  /** Starts serving appends addressed to `nodeId`. */
  serve(nodeId: string, handler: AppendHandler): Promise<void>;
  /** Forwards an append to `nodeId`; rejects with ForwardFailed after `timeoutMs` without an answer. */
  forward(nodeId: string, message: NewMessage, timeoutMs: number): Promise<Appended>;
  close(): Promise<void>;
}

/** A forward that reached no owner able to take it: try again after looking at the lease. */
export class ForwardFailed extends Error {
  override readonly name = "ForwardFailed";
}

/** The node asked to sequence a conversation does not hold its slot's lease (any more). */
export class NotOwner extends Error {
  override readonly name = "NotOwner";
}

/** What kind of failure an owner answered a forward with ("refused": an update entry its target refused, the reason as message). */
export type ForwardedKind = "notOwner" | "unavailable" | "failed" | "refused";

/**
 * An error the owner answered with, carried back to the sender's node: `notOwner` sends it back to
 * the lease, `unavailable` (the owner lost its lease mid-write, or the store failed) is worth a
 * retry by the client with the same id, `failed` is the message's own fault.
 */
export class ForwardedError extends Error {
  override readonly name = "ForwardedError";
  readonly kind: ForwardedKind;

  constructor(message: string, kind: ForwardedKind) {
    super(message);
    this.kind = kind;
  }
}

/** Routes between stores of one process: each node's handler in one map. */
export function createMemoryAppendRoute(): AppendRoute {
  const handlers = new Map<string, AppendHandler>();
  return {
    async serve(nodeId, handler) {
      handlers.set(nodeId, handler);
    },
    async forward(nodeId, message) {
      const handler = handlers.get(nodeId);
      if (!handler) throw new ForwardFailed(`node ${nodeId} serves no appends`);
      return handler(message);
    },
    async close() {
      handlers.clear();
    },
  };
}
