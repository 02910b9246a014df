import type { ServerFrame } from "@chat/gen/chat/v1/live_pb.js";

/**
 * Carries frames from the node where an event happens to the nodes where its recipients are
 * connected. `memory/` connects nodes within one process; `redis/` uses one pub/sub channel per node.
 *
 * Delivery is at most once: a frame published while a node is down or disconnected is lost. That is
 * safe because messages are durable before they are published and every client resumes from its last
 * seq after a reconnect; typing and presence are ephemeral by nature.
 */
export interface Broker {
  /** Sends a batch of deliveries to one node. */
  publish(nodeId: string, deliveries: readonly Delivery[]): Promise<void>;
  /** Starts receiving the deliveries addressed to a node. One handler per node id. */
  subscribe(nodeId: string, handler: DeliveryHandler): Promise<void>;
  /** Stops receiving and releases connections. */
  close(): Promise<void>;
}

/** A frame for every connected device of some users. */
export interface Delivery {
  userIds: string[];
  frame: ServerFrame;
  /** The W3C traceparent of the work that made the frame, when tracing is on: the trace goes on at the receiving node. */
  traceparent?: string;
}

/** Receives the deliveries addressed to this node. */
export type DeliveryHandler = (deliveries: Delivery[]) => void;
